"""A folder of images, one subfolder per class, as torchvision's ImageFolder reads it:

    root/train/<class>/*.png     root/test/<class>/*.png  (or root/val/<class>/..., used as the test split)

Class indices follow the sorted class folder names of train/. Every image is decoded with Pillow, cropped to a
centred square and resized to `image_size`, and the whole set is held as one uint8 tensor like the small data sets.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from .splits import ImageSet

log = logging.getLogger(__name__)

DEFAULT_IMAGE_SIZE = 32
EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm"}
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "F"}
LOGGED_SKIPS = 10  # name at most this many skipped files in the log; the count covers all
# Fixed, so the split is the same whatever the run's seed. The files are listed class by class; without a
# shuffle the last valSize images (the validation split) would all come from the last classes.
_ORDER_SEED = 20160610


@dataclass
class FolderImages:
    train: ImageSet
    test: ImageSet
    num_classes: int
    classes: list[str]
    skipped: int  # corrupt or unreadable images left out (onCorruptImage = 'skip')


def _class_dirs(split_dir: Path) -> list[Path]:
    return sorted((d for d in split_dir.iterdir() if d.is_dir() and not d.name.startswith(".")), key=lambda d: d.name)


def _image_files(class_dir: Path) -> list[Path]:
    return sorted(p for p in class_dir.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)


def _decode(path: Path, size: int) -> tuple[np.ndarray, bool]:
    """(size x size x 3 uint8, whether the file is grayscale). Raises OSError/ValueError/... on a bad file."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.load()
        gray = image.mode in GRAY_MODES
        image = image.convert("L" if gray else "RGB").convert("RGB")
        image = ImageOps.fit(image, (size, size), method=Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8), gray


class _Reader:
    def __init__(self, size: int, on_corrupt: str):
        self.size, self.on_corrupt = size, on_corrupt
        self.skipped: list[Path] = []
        self.all_gray = True

    def read(self, split_dir: Path, class_index: dict[str, int]) -> tuple[list[np.ndarray], list[int]]:
        from PIL import Image

        images, labels = [], []
        for class_dir in _class_dirs(split_dir):
            if class_dir.name not in class_index:
                raise DataError(f"{class_dir}: class '{class_dir.name}' has no folder in train/", "data.root")
            for path in _image_files(class_dir):
                try:
                    pixels, gray = _decode(path, self.size)
                # Pillow reports a bad file as OSError (UnidentifiedImageError), ValueError, SyntaxError or a
                # DecompressionBombError, depending on the format and where the damage is.
                except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
                    if self.on_corrupt != "skip":
                        raise DataError(
                            f"cannot read image {path}: {exc}; set data.onCorruptImage to 'skip' to leave it out",
                            "data.onCorruptImage",
                        ) from exc
                    if len(self.skipped) < LOGGED_SKIPS:
                        log.warning("skipping unreadable image %s: %s", path, exc)
                    self.skipped.append(path)
                    continue
                self.all_gray &= gray
                images.append(pixels)
                labels.append(class_index[class_dir.name])
        return images, labels


def _to_image_set(images: list[np.ndarray], labels: list[int], channels: int, size: int) -> ImageSet:
    if images:
        array = np.stack(images).transpose(0, 3, 1, 2)[:, :channels]  # N x H x W x 3 -> N x C x H x W
    else:
        array = np.zeros((0, channels, size, size), np.uint8)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(_ORDER_SEED))
    return ImageSet(torch.from_numpy(np.ascontiguousarray(array))[order], torch.tensor(labels, dtype=torch.long)[order])


def load_image_folder(base: Path, image_size: int | None, on_corrupt: str) -> FolderImages:
    """`base`: the folder data.root names, resolved and checked by data/locate.py root_folder."""
    train_dir = base / "train"
    test_dir = next((base / name for name in ("test", "val") if (base / name).is_dir()), None)
    if not train_dir.is_dir() or test_dir is None:
        raise DataError(
            f"imagefolder needs {train_dir} and {base / 'test'} (or {base / 'val'}), one subfolder per class",
            "data.root",
        )
    classes = [d.name for d in _class_dirs(train_dir)]
    if len(classes) < 2:
        raise DataError(f"{train_dir} must hold at least two class folders, found {len(classes)}", "data.root")
    class_index = {name: index for index, name in enumerate(classes)}
    size = image_size or DEFAULT_IMAGE_SIZE
    reader = _Reader(size, on_corrupt)
    train = reader.read(train_dir, class_index)
    test = reader.read(test_dir, class_index)
    for split_dir, (images, _) in ((train_dir, train), (test_dir, test)):
        if not images:
            raise DataError(f"{split_dir} holds no readable images ({', '.join(sorted(EXTENSIONS))})", "data.root")
    if reader.skipped:
        log.warning("skipped %d unreadable image(s) under %s", len(reader.skipped), base)
    # Grayscale only when every image is: one colour image makes the whole set RGB.
    channels = 1 if reader.all_gray else 3
    log.info(
        "imagefolder %s: %d classes, test split from %s/, %d channel(s)", base, len(classes), test_dir.name, channels
    )
    return FolderImages(
        _to_image_set(*train, channels, size),
        _to_image_set(*test, channels, size),
        len(classes),
        classes,
        len(reader.skipped),
    )
