"""The unraveled view (Veit et al. 2016 §3, and §5 with Fig. 6): a net of n residual blocks is 2^n paths, C(n, k) of
them through exactly k branches. The gradient each length carries is estimated by the paper's sampling: pick k
blocks whose branch carries the gradient, let the others carry it through their shortcut only, and measure what
reaches the input.
"""

import itertools
import math
import random
import statistics
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .block_edits import is_residual, paths_of_length

EFFECTIVE_MASS = 0.9  # the share of the total gradient the effective range must hold


def input_gradient(model: nn.Module, blocks: list[nn.Module], x: torch.Tensor, y: torch.Tensor, on: set[int]):
    """dL/dx_0 at the first block's input (where every path starts; the stem is shared by all of them), with the
    residual blocks in `on` passing the gradient through their branch and the others through their shortcut. L is
    the summed cross-entropy, so row i is example i's own gradient (BatchNorm in eval mode keeps examples apart)."""
    start: dict[str, torch.Tensor] = {}

    def make_leaf(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        start["x"] = args[0].detach().requires_grad_()
        return (start["x"], *args[1:])

    handle = blocks[0].register_forward_pre_hook(make_leaf)
    try:
        with torch.enable_grad(), paths_of_length(blocks, on):
            loss = F.cross_entropy(model(x), y, reduction="sum")
            (grad,) = torch.autograd.grad(loss, start["x"])
    finally:
        handle.remove()
    return grad


def _mean_norm(grad: torch.Tensor) -> float:
    return grad.flatten(1).norm(dim=1).mean().item()


def effective_range(shares: dict[int, float], mass: float = EFFECTIVE_MASS) -> tuple[int, int]:
    """The shortest contiguous range of path lengths whose shares sum to at least `mass`; of equally short ones,
    the one holding the most. The whole range if none does (every share zero)."""
    lengths = sorted(shares)
    best: tuple[int, float, int, int] | None = None  # (width, -held, from, to)
    for i, first in enumerate(lengths):
        held = 0.0
        for last in lengths[i:]:
            held += shares[last]
            if held >= mass:
                candidate = (last - first, -held, first, last)
                best = candidate if best is None else min(best, candidate)
                break
    return (best[2], best[3]) if best else (lengths[0], lengths[-1])


def gradient_by_length(
    model: nn.Module, blocks: list[nn.Module], x: torch.Tensor, y: torch.Tensor, samples: int, rng: random.Random
) -> dict[str, Any]:
    """A LesionPaths part. With r residual and p plain blocks a path has length p + k, k = 0..r (a plain net has
    one path, of length n). Where C(r, k) <= `samples` every path of that length is measured, so the mean is exact;
    otherwise `samples` random ones."""
    residual = [i for i, block in enumerate(blocks) if is_residual(block)]
    plain = len(blocks) - len(residual)
    rows = []
    for k in range(len(residual) + 1):
        count = math.comb(len(residual), k)
        if count <= samples:
            chosen = [set(c) for c in itertools.combinations(residual, k)]
        else:
            chosen = [set(rng.sample(residual, k)) for _ in range(samples)]
        norms = [_mean_norm(input_gradient(model, blocks, x, y, on)) for on in chosen]
        rows.append(
            {
                "length": plain + k,
                "paths": float(count),
                "gradNorm": statistics.fmean(norms),
                "gradStd": statistics.pstdev(norms),  # population std over the measured paths
                "samples": len(norms),
            }
        )
    weights = [row["paths"] * row["gradNorm"] for row in rows]
    total = sum(weights)
    for row, weight in zip(rows, weights, strict=True):
        row["share"] = min(weight / total, 1.0) if total > 0 else 0.0
    first, last = effective_range({row["length"]: row["share"] for row in rows})
    return {
        "section": "lesion.paths",
        "blocks": len(blocks),
        "lengths": rows,
        "effectiveRange": {"from": first, "to": last, "mass": EFFECTIVE_MASS},
    }
