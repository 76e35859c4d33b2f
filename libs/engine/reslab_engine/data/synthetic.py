"""A small, deterministic, learnable stand-in for Fashion-MNIST: 1x28x28 uint8 images in 10 classes.

Each class has a fixed smooth template; an image is its class template plus pixel noise and a random
brightness, so a small net learns it within an epoch or two while accuracy still has room to rise.
"""

import torch
import torch.nn.functional as F

NUM_CLASSES = 10
TRAIN_SIZE = 2000
TEST_SIZE = 500
_DATA_SEED = 20160610  # fixed: the data set is the same whatever the run's seed


def _templates(generator: torch.Generator) -> torch.Tensor:
    coarse = torch.rand(NUM_CLASSES, 1, 7, 7, generator=generator)
    return F.interpolate(coarse, size=(28, 28), mode="bilinear", align_corners=False)


def _sample(templates: torch.Tensor, count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    labels = torch.arange(count) % NUM_CLASSES
    labels = labels[torch.randperm(count, generator=generator)]
    brightness = 0.6 + 0.4 * torch.rand(count, 1, 1, 1, generator=generator)
    noise = 0.35 * torch.randn(count, 1, 28, 28, generator=generator)
    images = (templates[labels] * brightness + noise).clamp(0, 1)
    return (images * 255).round().to(torch.uint8), labels


def make_synthetic() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(_DATA_SEED)
    templates = _templates(generator)
    return {"train": _sample(templates, TRAIN_SIZE, generator), "test": _sample(templates, TEST_SIZE, generator)}
