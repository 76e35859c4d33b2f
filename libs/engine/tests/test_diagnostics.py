"""Gradient flow (docs/course.md §1): per-block norms, measured without disturbing training."""

import copy
import math

import pytest
import torch
from conftest import TINY_CONFIG, run_engine

from reslab_engine.diagnostics import gradient_flow
from reslab_engine.models import create_model


def batch(seed: int, size: int = 32, side: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(size, 1, side, side, generator=generator), torch.randint(0, 10, (size,), generator=generator)


def model_at_init(name: str, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return create_model(name, in_channels=1, num_classes=10)


def first_to_last_input_gradient(name: str, seed: int) -> float:
    blocks = gradient_flow(model_at_init(name, seed), [batch(seed)])
    return blocks[0]["inputGradNorm"] / blocks[-1]["inputGradNorm"]


@pytest.mark.parametrize("seed", range(2))
def test_plain_net_gradient_explodes_toward_the_input_at_init_and_resnet_tames_it(seed):
    # Measured at init (these 8x8 batches of 32, seeds 0-3), first-block / last-block input-gradient norm:
    #   plain56 2300-4200, resnet56 16-24 (plain / resnet 136-173x); at depth 20: plain 12-17, resnet 6-7;
    #   at depth 110: plain 4e6-2e7, resnet 38-71.
    # With BatchNorm the plain net's gradient does not vanish toward the input, it *explodes*, geometrically
    # with depth (Philipp et al. 2018, "The exploding gradient problem demystified"; Yang et al. 2019, "A mean
    # field theory of batch normalization"), as docs/course.md §1 says: BN plain nets "do not simply lose their
    # gradient".
    # The identity paths keep the ResNet's growth mild. Asserted at 10x, against a smallest measured gap of 136x.
    plain, resnet = first_to_last_input_gradient("plain56", seed), first_to_last_input_gradient("resnet56", seed)
    assert plain > 10 * resnet
    assert resnet < 100


def test_norms_are_finite_positive_and_named_like_the_models_blocks():
    for name in ("resnet20", "plain20"):
        model = model_at_init(name)
        blocks = gradient_flow(model, [batch(0), batch(1)])
        assert [b["name"] for b in blocks] == [name for name, _ in model.named_blocks()]
        for block in blocks:
            for key in ("paramGradNorm", "inputGradNorm", "activationNorm"):
                assert math.isfinite(block[key]) and block[key] > 0, (name, block)


def test_measuring_leaves_weights_buffers_gradients_and_rng_untouched():
    model = model_at_init("resnet20")
    model.eval()
    before = copy.deepcopy(model.state_dict())
    rng = torch.get_rng_state()
    gradient_flow(model, [batch(0)], label_smoothing=0.1)
    assert not model.training  # mode restored
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng)
    for key, value in model.state_dict().items():  # BN running statistics included
        assert torch.equal(value, before[key]), key


def test_grad_flow_events_at_init_and_after_each_epoch(tiny_run):
    events = tiny_run.of_type("grad_flow")
    assert [e["epoch"] for e in events] == [0, 1, 2]
    names = [name for name, _ in create_model("resnet8", in_channels=1, num_classes=10).named_blocks()]
    for event in events:
        assert event["batches"] == 4
        assert [b["name"] for b in event["blocks"]] == names
    # The grad_flow of an epoch comes after its metrics and before its checkpoint.
    types = [e["type"] for e in tiny_run.events]
    assert types[1] == "grad_flow" and types[types.index("checkpoint") - 1] == "grad_flow"


def test_diagnostics_do_not_change_the_training_trajectory(tiny_run, tmp_path):
    config = copy.deepcopy(TINY_CONFIG)
    config["diagnostics"] = {"gradFlowBatches": 0}
    off = run_engine(config, tmp_path / "off")
    assert off.returncode == 0, off.stderr
    assert off.of_type("grad_flow") == []
    assert off.metrics() == tiny_run.metrics()  # tiny_run measures 4 batches (the default) each epoch
