"""Known-answer tests for the learning-rate schedules, per iteration, and equivalence with torch's schedulers."""

import io
import math

import pytest
import torch
from torch.optim import SGD, lr_scheduler

from reslab_engine.config import OptimConfig
from reslab_engine.errors import ConfigError
from reslab_engine.optimizer import build_optimizer, build_scheduler, learning_rate, milestone_iterations


def lrs(optim: OptimConfig, total: int, iterations: list[int]) -> list[float]:
    return [learning_rate(optim, total, t) for t in iterations]


def test_step_is_the_papers_recipe():
    # He et al. 2016 §4.2: lr 0.1, divided by 10 at 32k and 48k iterations, training ends at 64k.
    optim = OptimConfig(lr=0.1, schedule="step")
    assert milestone_iterations(optim.milestones, 64000) == [32000, 48000]
    got = lrs(optim, 64000, [0, 31999, 32000, 47999, 48000, 63999])
    assert got == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_step_with_warmup_is_the_resnet110_recipe():
    # He et al. 2016 §4.2, ResNet-110: 0.01 "until the training error is below 80% (about 400 iterations)".
    optim = OptimConfig(lr=0.1, schedule="step", warmup={"lr": 0.01, "iterations": 400})
    got = lrs(optim, 64000, [0, 399, 400, 31999, 32000, 48000])
    assert got == pytest.approx([0.01, 0.01, 0.1, 0.1, 0.01, 0.001])


def test_step_takes_milestones_as_fractions_of_all_iterations():
    optim = OptimConfig(lr=0.2, schedule="step", milestones=(0.25, 0.5, 0.9))
    assert milestone_iterations((0.29, 0.75), 101) == [29, 75]  # rounded down, whatever the float error
    assert lrs(optim, 100, [24, 25, 49, 50, 89, 90]) == pytest.approx([0.2, 0.02, 0.02, 0.002, 0.002, 0.0002])


def test_constant():
    assert lrs(OptimConfig(lr=0.05), 10, [0, 5, 10]) == [0.05, 0.05, 0.05]


def test_cosine():
    optim = OptimConfig(lr=0.1, schedule="cosine")
    quarter = 0.1 * (1 + math.cos(math.pi / 4)) / 2
    assert lrs(optim, 100, [0, 25, 50, 100]) == pytest.approx([0.1, quarter, 0.05, 0.0])


def test_cosine_after_warmup_keeps_counting_from_iteration_zero():
    optim = OptimConfig(lr=0.1, schedule="cosine", warmup={"lr": 0.001, "iterations": 10})
    assert lrs(optim, 100, [0, 9]) == [0.001, 0.001]
    assert learning_rate(optim, 100, 10) == pytest.approx(0.1 * (1 + math.cos(math.pi * 0.1)) / 2)


def test_onecycle():
    # Starts at lr/25, peaks at lr after 30% of the iterations, ends at lr/25/1e4 on the last iteration.
    optim = OptimConfig(lr=0.1, schedule="onecycle")
    start, final = 0.1 / 25, 0.1 / 25 / 1e4
    halfway_up, halfway_down = (start + 0.1) / 2, (0.1 + final) / 2
    got = lrs(optim, 100, [0, 14.5, 29, 64, 99])  # peak at 0.3 * 100 - 1 = 29, as torch's OneCycleLR
    assert got == pytest.approx([start, halfway_up, 0.1, halfway_down, final])


@pytest.mark.parametrize(
    ("schedule", "reference"),
    [
        ("step", lambda opt, total: lr_scheduler.MultiStepLR(opt, [total // 2, total * 3 // 4], gamma=0.1)),
        ("cosine", lambda opt, total: lr_scheduler.CosineAnnealingLR(opt, T_max=total)),
        ("onecycle", lambda opt, total: lr_scheduler.OneCycleLR(opt, 0.1, total_steps=total, cycle_momentum=False)),
    ],
)
def test_scheduler_matches_torch_reference(schedule, reference):
    total = 200
    params = [torch.nn.Parameter(torch.zeros(1))]
    ours_optimizer, theirs_optimizer = SGD(params, lr=0.1), SGD(params, lr=0.1)
    ours = build_scheduler(ours_optimizer, OptimConfig(lr=0.1, schedule=schedule), total)
    theirs = reference(theirs_optimizer, total)
    for _ in range(total):
        assert ours_optimizer.param_groups[0]["lr"] == pytest.approx(theirs_optimizer.param_groups[0]["lr"], rel=1e-9)
        ours_optimizer.step(), theirs_optimizer.step()
        ours.step(), theirs.step()


def test_scheduler_state_loads_with_weights_only():
    params = [torch.nn.Parameter(torch.zeros(1))]
    optim = OptimConfig(schedule="step", warmup={"lr": 0.01, "iterations": 3})
    optimizer = SGD(params, lr=0.1)
    scheduler = build_scheduler(optimizer, optim, 10)
    for _ in range(4):  # warmup over, first milestone (iteration 5) not reached
        optimizer.step(), scheduler.step()
    buffer = io.BytesIO()
    torch.save(scheduler.state_dict(), buffer)
    buffer.seek(0)
    restored = build_scheduler(SGD(params, lr=0.1), optim, 10)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    assert restored.get_last_lr() == scheduler.get_last_lr() == pytest.approx([0.1])
    restored.optimizer.step(), restored.step()
    assert restored.get_last_lr() == pytest.approx([0.01])


def test_nesterov_without_momentum_is_a_config_error():
    with pytest.raises(ConfigError) as error:
        build_optimizer(torch.nn.Linear(2, 2), OptimConfig(momentum=0.0, nesterov=True))
    assert error.value.field == "optim.nesterov"
