"""Data sets held whole as uint8 tensors, split into train / val / test."""

import dataclasses
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..config import DataConfig
from ..errors import DataError
from . import locate, synthetic
from .cifar import LAYOUTS as CIFAR_LAYOUTS
from .cifar import load_cifar
from .imagefolder import load_image_folder
from .mnist import load_mnist
from .splits import ImageSet, split


@dataclass
class DataSplits:
    train: ImageSet
    val: ImageSet
    test: ImageSet
    num_classes: int
    mean: torch.Tensor  # per channel, in uint8 units, of the training split only
    std: torch.Tensor
    skipped_images: int = 0  # corrupt images left out (ImageFolder with onCorruptImage = 'skip')
    class_names: list[str] | None = None  # index i names class i; None where the data set has no names (synthetic)

    @property
    def in_channels(self) -> int:
        return self.train.images.shape[1]

    def to(self, device: torch.device) -> "DataSplits":
        return dataclasses.replace(
            self,
            train=self.train.to(device),
            val=self.val.to(device),
            test=self.test.to(device),
            mean=self.mean.to(device),
            std=self.std.to(device),
        )


def resize(images: ImageSet, size: int) -> ImageSet:
    """Every image to size x size, once, at load: bilinear with antialiasing (PIL's BILINEAR filter, which torch
    matches with antialias=True; a triangle filter over 4x4 pixels for 28 -> 14 px), back to uint8 so the set stays
    one compact tensor."""
    if images.images.shape[-2:] == (size, size):
        return images
    pixels = images.images.float()
    resized = F.interpolate(pixels, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return ImageSet(resized.round().clamp(0, 255).to(torch.uint8), images.labels)


def load_dataset(config: DataConfig) -> DataSplits:
    skipped = 0
    class_names: list[str] | None = None
    if config.dataset == "synthetic":
        parts = synthetic.make_synthetic()
        train, test = ImageSet(*parts["train"]), ImageSet(*parts["test"])
        num_classes = synthetic.NUM_CLASSES
    elif config.dataset in ("fashion-mnist", "mnist"):
        train, test, class_names = load_mnist(config.dataset, config.root, config.download)
        num_classes = len(class_names)
    elif config.dataset in CIFAR_LAYOUTS:
        train, test, class_names = load_cifar(config.dataset, config.root, config.download)
        num_classes = len(class_names)
    elif config.dataset == "imagefolder":
        if not config.root:  # config validation rejects this first
            raise DataError("imagefolder needs data.root", "data.root")
        folder = load_image_folder(locate.root_folder(config.root), config.image_size, config.on_corrupt_image)
        train, test, num_classes, skipped = folder.train, folder.test, folder.num_classes, folder.skipped
        class_names = folder.classes
    else:  # config validation rejects these first; kept so a new dataset cannot slip through silently
        raise DataError(f"data set '{config.dataset}' has no loader", "data.dataset")
    if config.image_size is not None and config.dataset != "imagefolder":  # ImageFolder decodes at this size
        train, test = resize(train, config.image_size), resize(test, config.image_size)
    # He et al. 2016 §4.2: the last 5k of the 50k CIFAR training images validate, the other 45k train.
    fit, val, test = split(train, test, config.train_subset, config.val_size, config.test_subset, config.dataset)
    pixels = fit.images.float()
    mean = pixels.mean(dim=(0, 2, 3))
    std = pixels.std(dim=(0, 2, 3)).clamp_min(1e-3)
    return DataSplits(fit, val, test, num_classes, mean, std, skipped, class_names)
