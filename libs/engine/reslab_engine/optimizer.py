"""SGD and its learning-rate schedules, all stepped once per iteration."""

from torch import nn
from torch.optim import SGD, Optimizer, lr_scheduler

from .config import OptimConfig


def build_optimizer(model: nn.Module, optim: OptimConfig) -> SGD:
    return SGD(
        model.parameters(),
        lr=optim.lr,
        momentum=optim.momentum,
        nesterov=optim.nesterov,
        weight_decay=optim.weight_decay,
    )


def build_scheduler(optimizer: Optimizer, optim: OptimConfig, total_steps: int) -> lr_scheduler.LRScheduler:
    if optim.schedule == "constant":
        return lr_scheduler.LambdaLR(optimizer, lambda _step: 1.0)
    if optim.schedule == "step":
        # He et al. 2016 §4.2: lr / 10 at 32k and 48k of 64k iterations, i.e. at 50% and 75% of training.
        return lr_scheduler.MultiStepLR(optimizer, milestones=[total_steps // 2, total_steps * 3 // 4], gamma=0.1)
    if optim.schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if optim.schedule == "onecycle":
        # cycle_momentum=False keeps optim.momentum as configured; the config has no momentum range to cycle.
        return lr_scheduler.OneCycleLR(optimizer, max_lr=optim.lr, total_steps=total_steps, cycle_momentum=False)
    raise ValueError(f"unknown schedule '{optim.schedule}'")
