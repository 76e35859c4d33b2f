"""MNIST and Fashion-MNIST in their release format: four IDX files (idx.py), raw or gzip-compressed.

    train-images-idx3-ubyte  N x 28 x 28 uint8     train-labels-idx1-ubyte  N uint8, 0-9
    t10k-images-idx3-ubyte   the 10k test images   t10k-labels-idx1-ubyte   their labels

Both data sets share the layout (Xiao et al. 2017 made Fashion-MNIST a drop-in replacement), so one loader reads
either; `download.py` holds where each comes from.
"""

from pathlib import Path

import torch

from ..errors import DataError
from . import download, locate
from .idx import read_idx
from .splits import ImageSet

IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
# The IDX files hold labels only. Fashion-MNIST's names are the table "Labels" in zalandoresearch/fashion-mnist's
# README (https://github.com/zalandoresearch/fashion-mnist#labels), in label order; MNIST's classes are its digits.
CLASS_NAMES = {
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "mnist": [str(digit) for digit in range(10)],
}


def _read_pair(images_path: Path, labels_path: Path) -> ImageSet:
    images = torch.from_numpy(read_idx(images_path))
    labels = torch.from_numpy(read_idx(labels_path)).long()
    if images.dim() != 3 or labels.dim() != 1 or len(images) != len(labels):
        raise DataError(
            f"{images_path} and {labels_path} do not match: images {tuple(images.shape)}, labels {tuple(labels.shape)}"
        )
    return ImageSet(images.to(torch.uint8).unsqueeze(1), labels)  # N x 1 x 28 x 28


def _locate(dataset: str, root: str | None, allow_download: bool) -> dict:
    """IDX file name -> its path, downloading the release when none is found and `data.download` allows it."""
    try:
        return locate.find_files(dataset, root, IDX_FILES, can_download=True)
    except DataError:
        if not allow_download:
            raise
    target = locate.download_dir(dataset, root)
    download.fetch(dataset, target)
    found = locate.files_in(target, IDX_FILES)
    if found is None:
        raise DataError(f"{target} lacks IDX files after downloading", "data.download")
    return found


def load_mnist(dataset: str, root: str | None, allow_download: bool) -> tuple[ImageSet, ImageSet, list[str]]:
    """(train, test, class names in label order) of "mnist" or "fashion-mnist"."""
    files = _locate(dataset, root, allow_download)
    train = _read_pair(files[IDX_FILES[0]], files[IDX_FILES[1]])
    test = _read_pair(files[IDX_FILES[2]], files[IDX_FILES[3]])
    return train, test, CLASS_NAMES[dataset]
