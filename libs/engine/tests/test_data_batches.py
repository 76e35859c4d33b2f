"""Batch augmentation: pad-and-crop plus flip, drawn per image (He et al. 2016 §4.2), and the split rules."""

import torch

from reslab_engine.data.batches import PAD, pad_crop_flip
from reslab_engine.data.splits import ImageSet, split

N, SIDE = 256, 8


def candidates(image: torch.Tensor) -> torch.Tensor:
    """Every (dy, dx, flip) result for one C x H x W image: (2 * (2 PAD + 1)^2) x C x H x W, in that order."""
    padded = torch.nn.functional.pad(image, (PAD, PAD, PAD, PAD))
    out = []
    for dy in range(2 * PAD + 1):
        for dx in range(2 * PAD + 1):
            crop = padded[:, dy : dy + SIDE, dx : dx + SIDE]
            out += [crop, crop.flip(-1)]
    return torch.stack(out)


def augment_identical_batch(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Every pixel a distinct non-zero value, so each output identifies exactly one (dy, dx, flip).
    image = torch.arange(1, SIDE * SIDE + 1, dtype=torch.float32).view(1, SIDE, SIDE)
    out = pad_crop_flip(image.expand(N, 1, SIDE, SIDE).clone(), torch.Generator().manual_seed(seed))
    match = (out[:, None] == candidates(image)[None]).flatten(2).all(-1)  # N x candidates
    return out, match


def test_each_output_is_a_padded_crop_possibly_flipped():
    out, match = augment_identical_batch(0)
    assert out.shape == (N, 1, SIDE, SIDE)
    assert (match.sum(1) == 1).all()


def test_crops_and_flips_are_drawn_per_image():
    _, match = augment_identical_batch(1)
    choice = match.float().argmax(1)
    offsets, flipped = choice // 2, choice % 2 == 1
    assert len(offsets.unique()) > 40  # of 81 offsets; one offset per batch would give 1
    assert 0.35 < flipped.float().mean() < 0.65  # about half; Binomial(256, 0.5) has sd 0.03


def test_same_generator_state_same_augmentation():
    a, _ = augment_identical_batch(7)
    b, _ = augment_identical_batch(7)
    assert torch.equal(a, b)


def test_validation_is_the_last_val_size_of_the_training_subset():
    images = torch.arange(100, dtype=torch.uint8).view(100, 1, 1, 1)
    train = ImageSet(images, torch.arange(100))
    test = ImageSet(images[:20], torch.arange(20))
    fit, val, held = split(train, test, train_subset=60, val_size=10, test_subset=5, dataset="x")
    assert fit.labels.tolist() == list(range(50)) and val.labels.tolist() == list(range(50, 60))
    assert held.labels.tolist() == list(range(5))
