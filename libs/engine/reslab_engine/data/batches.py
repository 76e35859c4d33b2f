"""Batches from a uint8 ImageSet: index, normalise on the fly, augment with whole-batch tensor ops (airbench)."""

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from .splits import ImageSet

PAD = 4  # He et al. 2016 §4.2: "4 pixels are padded on each side, and a 32x32 crop is randomly sampled"


def normalise(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    return (images.float() - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def crop_flip_draws(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The random translations (dy, dx in 0..2*PAD) and flips of `n` images, from the CPU generator (its state
    is what a checkpoint saves). Under DDP every rank draws them for the whole global batch and slices its share,
    so the crops do not depend on the number of processes."""
    dy = torch.randint(0, 2 * PAD + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * PAD + 1, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    return dy, dx, flip


def pad_crop_flip(
    x: torch.Tensor, generator: torch.Generator, draws: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
) -> torch.Tensor:
    """Random translation by up to PAD pixels (zero padding, i.e. the mean after normalising) and a random
    horizontal flip, drawn independently per image but applied to the batch at once. `draws` (crop_flip_draws,
    one per image of x) replaces a fresh draw from `generator`."""
    n, c, h, w = x.shape
    dy, dx, flip = (tensor.to(x.device) for tensor in (draws or crop_flip_draws(n, generator)))
    padded = F.pad(x, (PAD, PAD, PAD, PAD))
    rows = dy[:, None] + torch.arange(h, device=x.device)  # n x h
    cols = dx[:, None] + torch.arange(w, device=x.device)  # n x w
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]


def eval_batches(
    data: ImageSet, batch_size: int, mean: torch.Tensor, std: torch.Tensor
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for start in range(0, len(data), batch_size):
        yield normalise(data.images[start : start + batch_size], mean, std), data.labels[start : start + batch_size]
