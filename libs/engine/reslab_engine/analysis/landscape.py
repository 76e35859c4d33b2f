"""The loss landscape around the trained weights (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets").

The loss L(θ* + α·d1 + β·d2) on a grid of (α, β), where θ* are the checkpoint's weights and d1, d2 Gaussian random
directions with filter normalisation (§4; directions.py): each filter of a direction is scaled to the norm of the
same filter of θ*, for every weight of dim >= 2 (conv filters, and the linear layer's rows as 1x1 filters).
Biases and BatchNorm weights and biases are not perturbed (zero in the directions, §4: "we do not perturb them").
BatchNorm's running statistics are buffers, not parameters: they stay as in the checkpoint, and every point is
evaluated in eval mode (bnMode 'eval'), so a point's loss depends on its weights alone, not on a batch.

The directions are drawn from `torch.Generator().manual_seed(params.seed)` in `model.named_parameters()` order, d2
after d1 from the same generator, so resnet-N and its plain twin (option A: the same parameter shapes) are cut
along the same random draws at the same seed.

Grid: `resolution` points per axis (odd, so index (r-1)/2 is the trained weights), coordinates evenly spaced over
[-span, span]. dims 2: rows i (α) by columns j (β); dims 1: one line, α along i, with β = 0 and j = 0.
Each point: mean cross-entropy (nats) and accuracy over the first `evalImages` images of `split`, in float32
(no bf16 autocast: the surface's small differences would drown in its rounding).

Chunks: the grid's rows (dims 1: the line's points) are split into `chunk.count` contiguous ranges as evenly as
possible; this job computes range `chunk.index`. Units (parts), unique across chunks:
- `setup` (chunk 0 only, first): how the landscape was taken and `centerLoss`, the loss at θ* evaluated directly;
- dims 2: `row:<i>`, the row's `resolution` points;
- dims 1: `points:<from>-<to>`, up to POINTS_PER_UNIT consecutive points of the line (i from..to inclusive), so a
  stopped line job loses little work.

The weights are moved in place under torch.no_grad and restored from a copy of θ* after every unit; the checkpoint
on disk is never written.
"""

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data import ImageSet
from ..data.batches import eval_batches
from ..errors import ConfigError, EngineError
from ..runtime import memory_format
from ..train import EVAL_BATCH_SIZE
from .directions import Direction, perturbed, random_directions
from .runner import AnalysisContext

POINTS_PER_UNIT = 8  # dims 1: points per part


def coordinates(resolution: int, span: float) -> list[float]:
    """`resolution` evenly spaced values over [-span, span]; the middle one is exactly 0 and the grid is exactly
    symmetric (torch.linspace in float32 is off by rounding at the centre)."""
    steps = resolution - 1
    return [span * (2 * k - steps) / steps for k in range(resolution)]


def chunk_range(total: int, index: int, count: int) -> range:
    """Chunk `index` of `count` contiguous ranges over `total` items, sizes differing by at most one."""
    return range(index * total // count, (index + 1) * total // count)


@dataclass
class PointResult:
    loss: float | None  # mean cross-entropy, nats; None where it is not finite
    accuracy: float


@torch.no_grad()
def evaluate(model: nn.Module, images: ImageSet, mean: torch.Tensor, std: torch.Tensor, layout) -> PointResult:
    """Mean cross-entropy and accuracy of `model` (eval mode) over `images`, summed per batch as train.evaluate
    does; one device sync at the end."""
    loss_sum = torch.zeros((), dtype=torch.float64, device=images.labels.device)
    correct = torch.zeros((), dtype=torch.long, device=images.labels.device)
    for x, y in eval_batches(images, EVAL_BATCH_SIZE, mean, std):
        logits = model(x.contiguous(memory_format=layout)).float()
        loss_sum += F.cross_entropy(logits, y, reduction="sum").double()
        correct += (logits.argmax(dim=1) == y).sum()
    count = len(images)
    loss = loss_sum.item() / count
    # Far from θ* (a large span, a sharp net) logits can overflow and the loss become inf or NaN; the point is
    # kept as a hole in the surface (the contract's null), since JSON has no inf and one point must not fail a job.
    return PointResult(loss if math.isfinite(loss) else None, correct.item() / count)


class WeightShift:
    """Moves a model's perturbed weights to θ* + Σ c_k·d_k in place, and back to θ*."""

    def __init__(self, model: nn.Module, directions: list[Direction]):
        indices = [index for index, parameter in enumerate(model.parameters()) if perturbed(parameter)]
        parameters = list(model.parameters())
        self.parameters = [parameters[index] for index in indices]  # the others' directions are zero
        self.centre = [parameter.detach().clone() for parameter in self.parameters]
        self.directions = [[direction[index] for index in indices] for direction in directions]

    @torch.no_grad()
    def move_to(self, steps: tuple[float, ...]) -> None:
        for n, (parameter, centre) in enumerate(zip(self.parameters, self.centre, strict=True)):
            parameter.copy_(centre)
            for step, direction in zip(steps, self.directions, strict=True):
                parameter.add_(direction[n], alpha=step)

    @torch.no_grad()
    def restore(self) -> None:
        for parameter, centre in zip(self.parameters, self.centre, strict=True):
            parameter.copy_(centre)


class LandscapeAnalysis:
    def __init__(self, context: AnalysisContext):
        params = context.params
        self.dims: int = params["dims"]
        self.resolution: int = params["resolution"]
        self.span: float = params["span"]
        if self.resolution % 2 == 0:
            raise ConfigError(
                f"analysis.params.resolution {self.resolution} must be odd, so the trained weights are on the grid",
                "analysis.params.resolution",
            )
        # Rows for dims 2, the line's points for dims 1: `resolution` either way.
        lines = self.resolution
        what = "rows" if self.dims == 2 else "points"
        if params["chunks"] > lines:
            raise ConfigError(
                f"analysis.params.chunks {params['chunks']} exceeds the grid's {lines} {what}: some chunk would "
                "have nothing to do",
                "analysis.params.chunks",
            )
        job = context.job
        if job.chunk_count > lines:
            raise ConfigError(f"chunk.count {job.chunk_count} exceeds the grid's {lines} {what}", "chunk.count")

        self.context = context
        self.layout = memory_format(job.run)
        self.model = context.model.to(memory_format=self.layout).eval()
        self.images = context.split(params["split"], params["evalImages"])
        self.axis = coordinates(self.resolution, self.span)
        self.shift = WeightShift(self.model, random_directions(self.model, params["seed"], self.dims))
        self.plan = self._plan(chunk_range(lines, job.chunk_index, job.chunk_count))

    def _plan(self, mine: range) -> dict[str, list[tuple[int, int]]]:
        """Each unit's grid points (i, j), in computing order."""
        plan: dict[str, list[tuple[int, int]]] = {"setup": []} if self.context.job.chunk_index == 0 else {}
        if self.dims == 2:
            for i in mine:
                plan[f"row:{i}"] = [(i, j) for j in range(self.resolution)]
        else:
            for start in range(mine.start, mine.stop, POINTS_PER_UNIT):
                stop = min(start + POINTS_PER_UNIT, mine.stop)
                plan[f"points:{start}-{stop - 1}"] = [(i, 0) for i in range(start, stop)]
        return plan

    def units(self) -> list[str]:
        return list(self.plan)

    def evaluate_point(self, alpha: float, beta: float = 0.0) -> PointResult:
        """The loss and accuracy at θ* + α·d1 (+ β·d2 for dims 2); the weights are left moved (restore() puts
        them back). The benchmark times this."""
        self.shift.move_to((alpha, beta) if self.dims == 2 else (alpha,))
        data = self.context.data
        return evaluate(self.model, self.images, data.mean, data.std, self.layout)

    def restore(self) -> None:
        self.shift.restore()

    def compute(self, unit: str, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        if unit == "setup":
            return self._setup()
        points = []
        try:
            for i, j in self.plan[unit]:
                alpha, beta = self.axis[i], (self.axis[j] if self.dims == 2 else 0.0)
                result = self.evaluate_point(alpha, beta)
                points.append({"i": i, "j": j, "alpha": alpha, "beta": beta, **asdict(result)})
        finally:
            self.restore()
        return {"section": "landscape.points", "points": points}

    def _setup(self) -> dict[str, Any]:
        data = self.context.data
        centre = evaluate(self.model, self.images, data.mean, data.std, self.layout)  # θ* as loaded, not moved
        if centre.loss is None:
            raise EngineError("the checkpoint's weights give a non-finite loss: there is no landscape to take")
        return {
            "section": "landscape.setup",
            "dims": self.dims,
            "resolution": self.resolution,
            "span": self.span,
            "images": len(self.images),
            "normalisation": "filter",
            "excluded": "biases and BatchNorm parameters",
            "bnMode": "eval",
            "centerLoss": centre.loss,
        }


def build(context: AnalysisContext) -> LandscapeAnalysis:
    return LandscapeAnalysis(context)
