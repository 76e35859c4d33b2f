"""Models: paper parameter counts, shape and gradient checks driven by the registry, plain nets have no shortcut."""

import pytest
import torch
from torch import nn

from reslab_engine.models import create_model, is_known, list_models, registry
from reslab_engine.models.blocks import BasicBlock, PadShortcut, PlainBlock


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("name", "in_channels", "expected"),
    [
        ("resnet20", 3, 269_722),  # He et al. 2016 Table 6: 0.27M
        # One input channel: the first conv has 16*1*9 instead of 16*3*9 weights, 288 fewer.
        ("resnet20", 1, 269_434),
        ("resnet56", 3, 853_018),  # 0.85M
        ("resnet110", 3, 1_727_962),  # 1.7M
        ("plain20", 3, 269_722),  # option A shortcuts are parameter-free, so plain and residual nets match
    ],
)
def test_paper_parameter_counts(name, in_channels, expected):
    assert param_count(create_model(name, in_channels=in_channels, num_classes=10)) == expected


def test_option_b_adds_projection_parameters():
    a = param_count(create_model("resnet20", num_classes=10, shortcut="A"))
    b = param_count(create_model("resnet20", num_classes=10, shortcut="B"))
    # Two projections (16->32, 32->64), each a 1x1 conv plus BN (weight and bias).
    assert b - a == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


def test_registry_lists_the_paper_depths():
    names = list_models()
    for depth in (20, 32, 44, 56, 110, 1202):
        assert f"resnet{depth}" in names and f"plain{depth}" in names
    assert list_models("plain*") == [n for n in names if n.startswith("plain")]
    assert is_known("resnet8") and is_known("plain14")
    assert not is_known("resnet21") and not is_known("resnet18")


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="already registered"):
        registry.register_model("resnet20", lambda **kwargs: nn.Identity())


def test_unknown_model_lists_valid_names():
    with pytest.raises(KeyError, match="resnet21.*resnet20"):
        create_model("resnet21")


SMALL_MODELS = [
    ("resnet8", {}),
    ("plain8", {}),
    ("resnet8", {"shortcut": "B"}),
    ("resnet14", {"width": 4}),
]


@pytest.mark.parametrize(("name", "kwargs"), SMALL_MODELS)
def test_forward_shape_and_gradient_reaches_every_parameter(name, kwargs):
    torch.manual_seed(0)
    model = create_model(name, in_channels=1, num_classes=10, **kwargs)
    logits = model(torch.randn(4, 1, 28, 28))
    assert logits.shape == (4, 10) and torch.isfinite(logits).all()
    torch.nn.functional.cross_entropy(logits, torch.arange(4)).backward()
    for param_name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, f"no gradient reaches {param_name}"


def test_blocks_are_addressable_by_name():
    model = create_model("resnet20")
    names = [name for name, _ in model.named_blocks()]
    assert names == [f"layer{s}.{i}" for s in (1, 2, 3) for i in range(3)]
    assert model.get_submodule("layer3.1") is dict(model.named_blocks())["layer3.1"]


def test_stage_shapes_follow_the_paper():
    model = create_model("resnet20", width=16)
    x = model.relu(model.bn1(model.conv1(torch.randn(2, 3, 32, 32))))
    for stage, (channels, size) in zip(
        (model.layer1, model.layer2, model.layer3), ((16, 32), (32, 16), (64, 8)), strict=True
    ):
        x = stage(x)
        assert x.shape == (2, channels, size, size)


def test_plain_net_has_no_shortcut():
    model = create_model("plain20")
    blocks = dict(model.named_blocks())
    assert all(isinstance(block, PlainBlock) for block in blocks.values())
    assert not any(isinstance(m, (BasicBlock, PadShortcut)) for m in model.modules())
    # Zero the last BN: a plain block outputs relu(0) = 0; a residual block would still pass relu(x) through.
    plain, residual = blocks["layer2.1"], dict(create_model("resnet20").named_blocks())["layer2.1"]
    x = torch.rand(2, 32, 16, 16) + 0.1
    for block in (plain, residual):
        block.eval()
        nn.init.zeros_(block.bn2.weight)
        nn.init.zeros_(block.bn2.bias)
    with torch.no_grad():
        assert torch.count_nonzero(plain(x)) == 0
        assert torch.equal(residual(x), torch.relu(x))


def test_option_a_shortcut_subsamples_and_zero_pads():
    x = torch.randn(2, 16, 8, 8)
    y = PadShortcut(16, 32, stride=2)(x)
    assert y.shape == (2, 32, 4, 4)
    assert torch.equal(y[:, 8:24], x[:, :, ::2, ::2])
    assert torch.count_nonzero(y[:, :8]) == 0 and torch.count_nonzero(y[:, 24:]) == 0
