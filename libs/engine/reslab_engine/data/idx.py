"""The IDX file format of LeCun's MNIST (also used by Fashion-MNIST), raw or gzip-compressed.

Header: two zero bytes, a dtype code, the number of dimensions, then one big-endian uint32 per dimension.
"""

import gzip
from pathlib import Path

import numpy as np

from ..errors import DataError

# dtype code -> big-endian numpy dtype (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT")
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                blob = handle.read()
        else:
            blob = path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}") from exc
    return parse_idx(blob, name=str(path))


def parse_idx(blob: bytes, name: str = "<bytes>") -> np.ndarray:
    if len(blob) < 4 or blob[0] != 0 or blob[1] != 0 or blob[2] not in IDX_DTYPES:
        raise DataError(f"{name} is not an IDX file (bad magic number {blob[:4].hex() or 'empty'})")
    dtype = np.dtype(IDX_DTYPES[blob[2]])
    ndim = blob[3]
    header = 4 + 4 * ndim
    if len(blob) < header:
        raise DataError(f"{name} is truncated: header needs {header} bytes, file has {len(blob)}")
    shape = tuple(int(d) for d in np.frombuffer(blob, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(blob) != expected:
        kind = "truncated" if len(blob) < expected else "longer than its header says"
        raise DataError(f"{name} is {kind}: shape {shape} needs {expected} bytes, file has {len(blob)}")
    data = np.frombuffer(blob, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)
