"""Models: paper parameter counts and FLOPs, shape and gradient checks driven by the registry, plain nets have no
shortcut, a zeroed pre-activation branch is exactly the identity, zero_init_residual starts blocks as relu(x)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from reslab_engine.models import count_flops, count_params, create_model, is_known, list_models, model_info, registry
from reslab_engine.models.blocks import (
    PLAIN_BLOCKS,
    RESIDUAL_BLOCKS,
    BasicBlock,
    Bottleneck,
    PadShortcut,
    PlainBlock,
    PreActBasicBlock,
    PreActBottleneck,
    conv3x3,
)

ENGINE_DIR = Path(__file__).resolve().parents[1]


def meta_model(name: str, **kwargs) -> nn.Module:
    with torch.device("meta"):  # shapes only: counting parameters of a ResNet-1202 this way takes no memory
        return create_model(name, **kwargs)


# --- Known answers: parameters and FLOPs ----------------------------------------------------------------------


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
    assert count_params(create_model(name, in_channels=in_channels, num_classes=10)) == expected


@pytest.mark.parametrize(
    ("name", "millions"),
    [("resnet20", 0.27), ("resnet32", 0.46), ("resnet44", 0.66), ("resnet56", 0.85), ("resnet110", 1.7)]
    + [("resnet1202", 19.4)],
)
def test_cifar_parameter_counts_to_the_papers_rounding(name, millions):
    # He et al. 2016 Table 6 (option A, 3 channels, 10 classes), rounded as the paper rounds.
    digits = len(str(millions).split(".")[1])
    assert round(count_params(meta_model(name, in_channels=3, num_classes=10)) / 1e6, digits) == millions


@pytest.mark.parametrize(("name", "expected"), [("resnet18", 11_689_512), ("resnet50", 25_557_032)])
def test_imagenet_parameter_counts_equal_torchvision(name, expected):
    model = create_model(name, in_channels=3, num_classes=1000)
    assert count_params(model) == expected


@pytest.mark.parametrize(("name", "millions"), [("preact_resnet110", 1.7), ("preact_resnet164", 1.7)])
def test_preact_cifar_parameter_counts(name, millions):
    # He et al. 2016b Table 3: ResNet-110 (basic blocks) and ResNet-164 (bottlenecks) both 1.7M.
    assert round(count_params(meta_model(name, num_classes=10)) / 1e6, 1) == millions


def test_preact_resnet1001_matches_the_paper_without_batchnorm():
    # He et al. 2016b Table 3 gives 10.2M: conv and fc weights with projection shortcuts, as the authors' code
    # builds it (10.18M); BN parameters would add 0.15M, and option A would drop the projections' 0.04M.
    model = meta_model("preact_resnet1001", num_classes=10, shortcut="B")
    weights = sum(count_params(m) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert round(weights / 1e6, 1) == 10.2


def test_flops_count_multiply_accumulates_of_convs_and_linears():
    model = nn.Sequential(conv3x3(3, 4), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 8 * 8, 10))
    # conv: each of 4 x 8 x 8 outputs takes 3*3*3 MACs; linear: 256 x 10. BN is not counted.
    assert count_flops(model, (3, 8, 8)) == 4 * 8 * 8 * 27 + 256 * 10


@pytest.mark.parametrize(("name", "gflops"), [("resnet18", 1.81), ("resnet50", 4.09), ("resnet152", 11.51)])
def test_imagenet_flops_equal_torchvision_figures(name, gflops):
    # torchvision's model docs list these "GFLOPS" (multiply-accumulates) at 224x224.
    info = model_info(name)
    assert info.input_size == 224 and round(info.flops / 1e9, 2) == gflops


def test_cifar_flops_at_32x32():
    info = model_info("resnet20")
    # Every 3x3 conv of a stage costs C*C*H*W*9 MACs, the same in all three (C doubles as H and W halve), except
    # the first conv of stages 2 and 3, which sees C/2 input channels: half. Plus conv1 (16*32*32*27) and fc.
    per_conv = 16 * 16 * 32 * 32 * 9
    assert info.input_size == 32 and info.flops == 16 * 32 * 32 * 27 + (6 + 5.5 + 5.5) * per_conv + 64 * 10


# --- The registry ---------------------------------------------------------------------------------------------


def test_registry_lists_every_family():
    names = list_models()
    for depth in (20, 32, 44, 56, 110, 1202):
        assert f"resnet{depth}" in names and f"plain{depth}" in names
    for depth in (18, 34, 50, 101, 152):
        for arch in ("resnet", "plain", "preact_resnet", "preact_plain"):
            assert f"{arch}{depth}" in names
    for depth in (20, 56, 110, 164, 1001):
        assert f"preact_resnet{depth}" in names and f"preact_plain{depth}" in names
    assert list_models("plain*") == [n for n in names if n.startswith("plain")]
    assert list_models("resnet1*") == ["resnet18", "resnet101", "resnet110", "resnet152", "resnet1202"]
    assert is_known("resnet8") and is_known("plain14") and is_known("preact_resnet8")
    assert not is_known("resnet21") and not is_known("preact_resnet165") and not is_known("vgg16")


def test_depth_picks_the_family():
    assert isinstance(create_model("resnet50").layer1[0], Bottleneck)  # 50 is also 6n+2: the ImageNet net wins
    assert hasattr(create_model("resnet18"), "layer4") and not hasattr(meta_model("resnet20"), "layer4")
    assert isinstance(meta_model("preact_resnet110").layer1[0], PreActBasicBlock)  # 110 = 6n+2 = 9n+2: basic
    assert isinstance(meta_model("preact_resnet164").layer1[0], PreActBottleneck)  # the paper's bottleneck nets
    assert len(meta_model("preact_resnet1001").layer2) == 111  # (1001 - 2) / 9
    assert create_model("resnet18").fc.out_features == 1000 and create_model("resnet20").fc.out_features == 10


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="already registered"):
        registry.register_model("resnet20", lambda **kwargs: nn.Identity())


def test_overlapping_family_registration_raises():
    family = registry.Family(lambda depth, **kwargs: nn.Identity(), lambda depth: depth == 20, "depth 20")
    with pytest.raises(ValueError, match="another family"):
        registry.register_family("resnet", family, (20,))


def test_unknown_model_lists_valid_names():
    with pytest.raises(KeyError, match="resnet21.*resnet20.*preact_resnet164"):
        create_model("resnet21")


def test_models_command_prints_params_and_flops():
    def engine(*args: str) -> str:
        command = [sys.executable, "-m", "reslab_engine", "models", *args]
        return subprocess.run(command, cwd=ENGINE_DIR, capture_output=True, text=True, check=True).stdout

    rows = json.loads(engine("--filter", "resnet[15]*", "--json"))
    expected = ["resnet18", "resnet50", "resnet56", "resnet101", "resnet110", "resnet152", "resnet1202"]
    assert [row["name"] for row in rows] == expected
    assert rows[0] == {
        "name": "resnet18",
        "params": 11_689_512,
        "flops": 1_814_073_344,
        "input_size": 224,
        "num_classes": 1000,
    }
    table = engine("--filter", "plain2*").splitlines()
    assert table[0].split() == ["name", "params", "MFLOPs", "input", "classes"]
    assert table[1].split() == ["plain20", "269,722", "40.6", "32x32", "10"]


# --- Every family: shape, finiteness, gradients ---------------------------------------------------------------

# The smallest net of every (arch, family), at a small width and input to stay fast; resnet18/50 at full width.
SMALL_MODELS = [
    ("resnet8", {}, 28),
    ("resnet8", {"shortcut": "B"}, 28),
    ("resnet14", {"width": 4}, 28),
    ("plain8", {}, 28),
    ("preact_resnet8", {}, 28),
    ("preact_resnet8", {"shortcut": "B"}, 28),
    ("preact_resnet164", {"width": 4}, 16),
    ("preact_plain8", {}, 28),
    ("preact_plain164", {"width": 4}, 16),
    ("resnet18", {}, 64),
    ("resnet50", {}, 64),
    ("plain18", {"width": 16}, 64),
    ("plain50", {"width": 16}, 64),
    ("preact_resnet18", {"width": 16}, 64),
    ("preact_resnet50", {"width": 16}, 64),
    ("preact_plain18", {"width": 16}, 64),
    ("preact_plain50", {"width": 16}, 64),
]


def test_small_models_cover_every_registered_family():
    families = {(registry.arch_of(name), registry._resolve(name).input_size) for name in list_models()}
    covered = {(registry.arch_of(name), registry._resolve(name).input_size) for name, _, _ in SMALL_MODELS}
    assert families == covered


@pytest.mark.parametrize(("name", "kwargs", "size"), SMALL_MODELS, ids=lambda v: str(v) if v else "")
def test_forward_shape_and_gradient_reaches_every_parameter(name, kwargs, size):
    torch.manual_seed(0)
    model = create_model(name, in_channels=1, num_classes=10, **kwargs)
    logits = model(torch.randn(4, 1, size, size))
    assert logits.shape == (4, 10) and torch.isfinite(logits).all()
    torch.nn.functional.cross_entropy(logits, torch.arange(4)).backward()
    for param_name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, f"no gradient reaches {param_name}"


@pytest.mark.parametrize("name", ["resnet8", "resnet18", "preact_resnet8", "preact_plain18"])
def test_every_model_has_the_same_surface(name):
    model = create_model(name, width=8)
    x = torch.randn(2, 3, 32, 32)
    features = model.forward_features(x)
    assert features.shape[1] == model.num_features
    model.eval()
    with torch.no_grad():
        assert torch.equal(model.forward_head(model.forward_features(x)), model(x))
    blocks = dict(model.named_blocks())
    for block_name, block in blocks.items():
        assert model.get_submodule(block_name) is block


def test_blocks_are_addressable_by_name():
    names = [name for name, _ in create_model("resnet20").named_blocks()]
    assert names == [f"layer{s}.{i}" for s in (1, 2, 3) for i in range(3)]
    names = [name for name, _ in create_model("resnet18").named_blocks()]
    assert names == [f"layer{s}.{i}" for s in (1, 2, 3, 4) for i in range(2)]


def test_stage_shapes_follow_the_paper():
    model = create_model("resnet20", width=16)
    x = model.relu(model.bn1(model.conv1(torch.randn(2, 3, 32, 32))))
    for stage, (channels, size) in zip(
        (model.layer1, model.layer2, model.layer3), ((16, 32), (32, 16), (64, 8)), strict=True
    ):
        x = stage(x)
        assert x.shape == (2, channels, size, size)


def test_bottleneck_strides_on_the_3x3_conv():
    block = create_model("resnet50").layer2[0]
    assert block.conv1.stride == (1, 1) and block.conv2.stride == (2, 2) and block.downsample[0].stride == (2, 2)


# --- Plain vs residual ------------------------------------------------------------------------------------------

PAIRS = [
    ("plain8", "resnet8", {}),
    ("plain14", "resnet14", {"shortcut": "B"}),
    ("plain50", "resnet50", {"width": 8}),
    ("preact_plain8", "preact_resnet8", {}),
    ("preact_plain164", "preact_resnet164", {"width": 4}),
    ("preact_plain50", "preact_resnet50", {"width": 8}),
]


@pytest.mark.parametrize(("plain_name", "residual_name", "kwargs"), PAIRS)
def test_plain_net_has_no_shortcut_anywhere(plain_name, residual_name, kwargs):
    plain, residual = create_model(plain_name, **kwargs).eval(), create_model(residual_name, **kwargs).eval()
    assert all(isinstance(block, PLAIN_BLOCKS) for _, block in plain.named_blocks())
    assert not any(isinstance(m, (*RESIDUAL_BLOCKS, PadShortcut)) for m in plain.modules())
    assert not any("downsample" in name or "shortcut" in name for name, _ in plain.named_modules())
    assert all(isinstance(block, RESIDUAL_BLOCKS) for _, block in residual.named_blocks())
    assert any(block.downsample is not None for _, block in residual.named_blocks())
    # Same layers otherwise: a plain block computes exactly its branch F(x) (then ReLU in the original ordering),
    # a residual block adds the shortcut, so on the same input it computes something else.
    torch.manual_seed(0)
    x = torch.randn(2, plain.layer1[0].conv1.in_channels, 16, 16)
    with torch.no_grad():
        for (name, plain_block), (_, residual_block) in zip(plain.named_blocks(), residual.named_blocks(), strict=True):
            residual_block.load_state_dict(plain_block.state_dict(), strict=False)
            preact = plain_name.startswith("preact")
            expected = plain_block.branch(x) if preact else torch.relu(plain_block.branch(x))
            assert torch.equal(plain_block(x), expected), name
            if residual_block.downsample is None:
                assert not torch.equal(residual_block(x), expected), name
            x = plain_block(x)


def test_plain_block_zeroed_branch_passes_nothing_residual_block_passes_relu_x():
    plain, residual = create_model("plain20"), create_model("resnet20")
    plain_block, residual_block = plain.get_submodule("layer2.1"), residual.get_submodule("layer2.1")
    assert isinstance(plain_block, PlainBlock) and isinstance(residual_block, BasicBlock)
    x = torch.rand(2, 32, 16, 16) + 0.1
    for block in (plain_block, residual_block):
        block.eval()
        nn.init.zeros_(block.bn2.weight)
        nn.init.zeros_(block.bn2.bias)
    with torch.no_grad():
        assert torch.count_nonzero(plain_block(x)) == 0
        assert torch.equal(residual_block(x), torch.relu(x))


# --- Identity at initialisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("block_type", "channels"), [(PreActBasicBlock, 16), (PreActBottleneck, 64)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_preact_block_with_zeroed_branch_is_exactly_the_identity(block_type, channels, mode):
    torch.manual_seed(0)
    block = block_type(channels, channels // block_type.expansion)
    block.train(mode == "train")
    for module in block.modules():  # non-trivial BN statistics and affine terms: only the last conv is zeroed
        if isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight)
            nn.init.normal_(module.bias)
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2)
    x = torch.randn(4, channels, 8, 8)
    assert not torch.equal(block(x), x)
    nn.init.zeros_((block.conv2 if isinstance(block, PreActBasicBlock) else block.conv3).weight)
    assert torch.equal(block(x), x)  # no ReLU after the addition: x_{l+1} = x_l exactly


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("resnet14", {}),
        ("resnet14", {"shortcut": "B"}),
        ("resnet18", {"width": 16}),
        ("resnet50", {"width": 16}),
        ("preact_resnet14", {}),
        ("preact_resnet164", {"width": 4}),
        ("preact_resnet50", {"width": 16}),
    ],
)
def test_zero_init_residual_starts_every_block_as_its_shortcut(name, kwargs):
    torch.manual_seed(0)
    zeroed, default = (create_model(name, zero_init_residual=z, **kwargs) for z in (True, False))
    preact = name.startswith("preact")
    for block_name, block in zeroed.named_blocks():
        x = torch.randn(2, block.conv1.in_channels, 16, 16)
        identity = x
        if block.downsample is not None:
            identity = block.downsample(block.preact(x) if preact else x)
        expected = identity if preact else torch.relu(identity)  # identity plus ReLU in the original ordering
        assert torch.equal(block(x), expected), block_name
        assert not torch.equal(default.get_submodule(block_name)(x), expected), block_name


def test_zero_init_residual_is_ignored_by_plain_nets():
    torch.manual_seed(0)
    a = create_model("plain8", zero_init_residual=True)
    torch.manual_seed(0)
    b = create_model("plain8")
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_he_initialisation():
    model = create_model("resnet18")
    conv = model.layer3[0].conv1  # fan_out = 256 * 3 * 3
    assert abs(conv.weight.std().item() - (2 / (256 * 9)) ** 0.5) < 0.002
    assert all(
        torch.equal(m.weight, torch.ones_like(m.weight)) for m in model.modules() if isinstance(m, nn.BatchNorm2d)
    )


def test_option_a_shortcut_subsamples_and_zero_pads():
    x = torch.randn(2, 16, 8, 8)
    y = PadShortcut(16, 32, stride=2)(x)
    assert y.shape == (2, 32, 4, 4)
    assert torch.equal(y[:, 8:24], x[:, :, ::2, ::2])
    assert torch.count_nonzero(y[:, :8]) == 0 and torch.count_nonzero(y[:, 24:]) == 0
