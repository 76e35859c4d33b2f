"""IDX loader on small files written here: raw, gzip, and corrupt."""

import gzip
import struct

import numpy as np
import pytest

from reslab_engine.data.idx import read_idx
from reslab_engine.errors import DataError


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_reads_images_and_labels(tmp_path, compress):
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    for name, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
        blob = idx_bytes(array)
        if compress:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(blob))
        else:
            (tmp_path / name).write_bytes(blob)
    suffix = ".gz" if compress else ""
    np.testing.assert_array_equal(read_idx(tmp_path / f"images-idx3-ubyte{suffix}"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / f"labels-idx1-ubyte{suffix}"), labels)


def test_reads_big_endian_ints(tmp_path):
    values = np.array([[1, -2], [70000, 3]], dtype=">i4")
    (tmp_path / "ints").write_bytes(idx_bytes(values, code=0x0C))
    np.testing.assert_array_equal(read_idx(tmp_path / "ints"), values.astype(np.int32))


def test_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "corrupt-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x03" + b"\x00" * 20)
    with pytest.raises(DataError, match="corrupt-idx3-ubyte.*magic"):
        read_idx(path)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "short-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 2, 2), np.uint8))[:-3]))
    with pytest.raises(DataError, match="short-idx3-ubyte.gz is truncated"):
        read_idx(path)


def test_broken_gzip_names_the_file(tmp_path):
    path = tmp_path / "broken-idx1-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="broken-idx1-ubyte.gz"):
        read_idx(path)
