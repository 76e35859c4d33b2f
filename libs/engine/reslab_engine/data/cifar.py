"""CIFAR-10 and CIFAR-100 in their python-pickle release format (https://www.cs.toronto.edu/~kriz/cifar.html).

Each batch file is a pickled dict with bytes keys: b"data" a N x 3072 uint8 array (1024 red, 1024 green, then 1024
blue values of a 32x32 image, row-major) and the labels as a list of ints (b"labels" in CIFAR-10, b"fine_labels" in
CIFAR-100). Pickle can run arbitrary code, so the files are read by an unpickler that admits only the globals
this format holds, and the archive is extracted only if no member can land outside the target directory.
"""

import codecs
import os
import pickle
import posixpath
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from . import download, locate
from .splits import ImageSet

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct


@dataclass(frozen=True)
class CifarLayout:
    folder: str  # the archive's top-level folder
    archive: str
    train: tuple[str, ...]
    test: str
    meta: str
    label_key: bytes
    names_key: bytes

    @property
    def files(self) -> list[str]:
        return [*self.train, self.test, self.meta]


LAYOUTS = {
    "cifar10": CifarLayout(
        "cifar-10-batches-py",
        "cifar-10-python.tar.gz",
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test_batch",
        "batches.meta",
        b"labels",
        b"label_names",
    ),
    # CIFAR-100 also has 20 coarse superclass labels; the fine labels are the 100-class task.
    "cifar100": CifarLayout(
        "cifar-100-python", "cifar-100-python.tar.gz", ("train",), "test", "meta", b"fine_labels", b"fine_label_names"
    ),
}

# What the release's pickles hold. Python 2 wrote them (numpy.core, __builtin__); a copy re-pickled by Python 3 at
# protocol 2 writes bytes as _codecs.encode(str, 'latin1') and, with numpy 2, numpy._core.
SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
    ("__builtin__", "bytes"): bytes,
    ("builtins", "bytes"): bytes,
}

IMAGE_SHAPE = (3, 32, 32)


class RestrictedUnpickler(pickle.Unpickler):
    """Admits only SAFE_GLOBALS; any other global (os.system, builtins.eval, ...) is refused before it is loaded."""

    def __init__(self, file, path: Path):
        super().__init__(file, encoding="bytes")  # the release was pickled by Python 2: its str are bytes
        self.path = path

    def find_class(self, module: str, name: str):
        try:
            return SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise DataError(
                f"{self.path}: refusing to unpickle global '{module}.{name}', which the CIFAR format does not hold"
            ) from None


def load_pickle(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            obj = RestrictedUnpickler(handle, path).load()
    except DataError:
        raise
    except Exception as exc:  # a corrupt pickle can fail in many ways; all mean the same to the user
        raise DataError(f"cannot read CIFAR file {path}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(obj, dict):
        raise DataError(f"{path} is not a CIFAR file: holds a {type(obj).__name__}, not a dict")
    return obj


def _read_batch(path: Path, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    batch = load_pickle(path)
    data, labels = batch.get(b"data"), batch.get(label_key)
    pixels = int(np.prod(IMAGE_SHAPE))
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != pixels:
        shape = getattr(data, "shape", None)
        raise DataError(f"{path}: b'data' must be a N x {pixels} uint8 array, found {type(data).__name__} {shape}")
    if labels is None or len(labels) != len(data):
        found = "none" if labels is None else len(labels)
        raise DataError(f"{path}: {label_key!r} must hold one label per image ({len(data)}), found {found}")
    return data, np.asarray(labels, dtype=np.int64)


def _read_split(paths: list[Path], label_key: bytes, num_classes: int) -> ImageSet:
    batches = [_read_batch(path, label_key) for path in paths]
    images = np.concatenate([data for data, _ in batches]).reshape(-1, *IMAGE_SHAPE)  # copies: writable
    labels = np.concatenate([labels for _, labels in batches])
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"{', '.join(map(str, paths))}: labels outside 0..{num_classes - 1}")
    return ImageSet(torch.from_numpy(images), torch.from_numpy(labels))


def _check_member(member: tarfile.TarInfo, target: Path, archive: Path) -> None:
    """Refuse a member that would be written, or would point, outside `target` (CVE-2007-4559 and kin)."""

    def refuse(reason: str) -> DataError:
        return DataError(f"{archive}: refusing archive member '{member.name}': {reason}")

    name = member.name
    if name.startswith(("/", "\\")) or os.path.isabs(name):
        raise refuse("absolute path")
    if ".." in Path(name).parts or ".." in name.split("\\"):
        raise refuse("path contains '..'")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        raise refuse("not a regular file, directory or link")
    if member.issym() or member.islnk():
        link = member.linkname
        # A symlink is relative to its own folder, a hard link to the archive root.
        base = posixpath.dirname(name) if member.issym() else ""
        resolved = posixpath.normpath(posixpath.join(base, link))
        if link.startswith("/") or os.path.isabs(link) or resolved == ".." or resolved.startswith("../"):
            raise refuse(f"link to '{link}' points outside {target}")


def safe_extract(archive: Path, target: Path) -> None:
    """Extract `archive` into `target` through a temporary folder, so a failure leaves no half-extracted data."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, target, archive)
            scratch = Path(tempfile.mkdtemp(dir=target, prefix=".extract-"))
            try:
                # The "data" filter (Python >= 3.11.4, PEP 706) repeats these checks and strips special bits.
                extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(scratch, members=members, **extra)
                for entry in scratch.iterdir():
                    os.replace(entry, target / entry.name)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    except (tarfile.TarError, OSError) as exc:
        raise DataError(f"cannot extract {archive} into {target}: {exc}") from exc


def _locate(dataset: str, root: str | None, allow_download: bool) -> Path:
    """The folder holding the release files: extracted already, or extracted here from the archive."""
    layout = LAYOUTS[dataset]
    dirs = locate.candidate_dirs(dataset, root)
    for directory in dirs:
        # data.root may name the release folder itself or the folder above it.
        for folder in (directory / layout.folder, directory):
            if all((folder / name).is_file() for name in layout.files):
                return folder
        if (directory / layout.archive).is_file():
            safe_extract(directory / layout.archive, directory)
            return directory / layout.folder
    if not allow_download:
        what = f"{layout.folder}/{{{','.join(layout.files)}}} or {layout.archive}"
        raise locate.not_found(dataset, root, what, dirs, can_download=True)
    target = locate.download_dir(dataset, root)
    download.fetch(dataset, target)
    safe_extract(target / layout.archive, target)
    return target / layout.folder


def _class_name(name: object, meta: Path, key: bytes) -> str:
    # Python 2 pickled the names as str, which reads back as bytes; a copy re-pickled by Python 3 may hold str.
    if isinstance(name, bytes):
        return name.decode("utf-8", errors="replace")
    if isinstance(name, str):
        return name
    raise DataError(f"{meta}: {key!r} must list the class names as strings, found a {type(name).__name__}")


def load_cifar(dataset: str, root: str | None, allow_download: bool) -> tuple[ImageSet, ImageSet, list[str]]:
    """(train, test, class names in label order, from the release's meta file); the training batches in release
    order, so the last 5k validate (§4.2)."""
    layout = LAYOUTS[dataset]
    folder = _locate(dataset, root, allow_download)
    missing = [name for name in layout.files if not (folder / name).is_file()]
    if missing:
        raise DataError(f"{folder} lacks {', '.join(missing)}", "data.root" if root else "data.dataset")
    names = load_pickle(folder / layout.meta).get(layout.names_key)
    if not isinstance(names, list) or len(names) < 2:
        raise DataError(f"{folder / layout.meta}: {layout.names_key!r} must list the class names")
    class_names = [_class_name(name, folder / layout.meta, layout.names_key) for name in names]
    train = _read_split([folder / name for name in layout.train], layout.label_key, len(class_names))
    test = _read_split([folder / layout.test], layout.label_key, len(class_names))
    return train, test, class_names
