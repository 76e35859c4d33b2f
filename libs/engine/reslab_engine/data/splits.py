"""Train / validation / test splits of one uint8 image tensor, as in He et al. 2016 §4.2 (45k/5k of 50k)."""

from dataclasses import dataclass

import torch

from ..errors import ConfigError


@dataclass
class ImageSet:
    images: torch.Tensor  # uint8, N x C x H x W
    labels: torch.Tensor  # int64, N

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, device: torch.device) -> "ImageSet":
        return ImageSet(self.images.to(device), self.labels.to(device))


def split(
    train: ImageSet, test: ImageSet, train_subset: int | None, val_size: int, test_subset: int | None, dataset: str
) -> tuple[ImageSet, ImageSet, ImageSet]:
    """First `train_subset` training images, of which the LAST `val_size` validate; first `test_subset` test."""
    if train_subset is not None and train_subset > len(train):
        raise ConfigError(
            f"data.trainSubset {train_subset} exceeds the {len(train)} training images of {dataset}",
            "data.trainSubset",
        )
    if test_subset is not None and test_subset > len(test):
        raise ConfigError(
            f"data.testSubset {test_subset} exceeds the {len(test)} test images of {dataset}", "data.testSubset"
        )
    count = train_subset or len(train)
    if val_size >= count:
        raise ConfigError(
            f"data.valSize {val_size} must be smaller than the {count} training images used", "data.valSize"
        )
    cut = count - val_size
    fit = ImageSet(train.images[:cut], train.labels[:cut])
    val = ImageSet(train.images[cut:count], train.labels[cut:count])
    test_count = test_subset or len(test)
    return fit, val, ImageSet(test.images[:test_count], test.labels[:test_count])
