"""SGD and its learning-rate schedules, all stepped once per iteration.

`learning_rate(optim, total, t)` is the whole schedule as one closed form: the lr used by iteration t
(0-based) of `total`. The scheduler only applies it, so a known-answer test can read the recipe directly.
A warmup replaces the first `warmup.iterations` of whichever schedule follows; the schedule itself still
counts from iteration 0 (timm's default, `warmup_prefix=False`), so the paper's milestones keep their meaning.
"""

import math

from torch import nn
from torch.optim import SGD, Optimizer, lr_scheduler

from .config import OptimConfig
from .errors import ConfigError

STEP_FACTOR = 0.1  # He et al. 2016 §4.2: "divide it by 10"
# One-cycle (Smith & Topin 2018) with torch's OneCycleLR defaults: start at lr/25, peak lr at 30% of the
# iterations, cosine annealing both ways, end at lr/25/1e4.
ONECYCLE_PEAK = 0.3
ONECYCLE_DIV = 25.0
ONECYCLE_FINAL_DIV = 1e4


def build_optimizer(model: nn.Module, optim: OptimConfig) -> SGD:
    if optim.nesterov and optim.momentum == 0:
        raise ConfigError("optim.nesterov needs optim.momentum > 0 (Nesterov is a form of momentum)", "optim.nesterov")
    return SGD(
        model.parameters(),
        lr=optim.lr,
        momentum=optim.momentum,
        nesterov=optim.nesterov,
        weight_decay=optim.weight_decay,
    )


def milestone_iterations(milestones: tuple[float, ...], total: int) -> list[int]:
    """Fractions of all iterations to iteration indices: [0.5, 0.75] of 64k is [32k, 48k] (He et al. 2016 §4.2).

    Rounded down, as `total * 3 // 4`; the 1e-9 absorbs float error (0.29 * 100 is 28.999999999999996)."""
    return [math.floor(fraction * total + 1e-9) for fraction in milestones]


def _cosine(start: float, end: float, progress: float) -> float:
    """From `start` at progress 0 to `end` at progress 1 along half a cosine."""
    return end + (start - end) * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0))) / 2


def learning_rate(optim: OptimConfig, total: int, t: int) -> float:
    """The lr of iteration t (0-based) in a run of `total` iterations; t == total is the lr after the last step."""
    if optim.warmup is not None and t < optim.warmup["iterations"]:
        return optim.warmup["lr"]
    if optim.schedule == "constant":
        return optim.lr
    if optim.schedule == "step":
        passed = sum(t >= milestone for milestone in milestone_iterations(optim.milestones, total))
        return optim.lr * STEP_FACTOR**passed
    if optim.schedule == "cosine":  # Loshchilov & Hutter 2017 without restarts, down to 0
        return _cosine(optim.lr, 0.0, t / total)
    if optim.schedule == "onecycle":
        start, peak_at, last = optim.lr / ONECYCLE_DIV, ONECYCLE_PEAK * total - 1, total - 1
        if t <= peak_at:
            return _cosine(start, optim.lr, t / peak_at)
        return _cosine(optim.lr, start / ONECYCLE_FINAL_DIV, (t - peak_at) / (last - peak_at))
    raise ValueError(f"unknown schedule '{optim.schedule}'")


def build_scheduler(optimizer: Optimizer, optim: OptimConfig, total_steps: int) -> lr_scheduler.LambdaLR:
    # A closure, not a callable object: LambdaLR then saves no Python object into the checkpoint, which
    # keeps the state loadable with torch.load(weights_only=True).
    def factor(t: int) -> float:
        return learning_rate(optim, total_steps, t) / optim.lr

    return lr_scheduler.LambdaLR(optimizer, factor)
