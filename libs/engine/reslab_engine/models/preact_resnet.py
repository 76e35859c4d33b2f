"""Pre-activation ResNets of He et al. 2016b, "Identity Mappings in Deep Residual Networks", and their plain
counterparts (`preact_plain`).

Nothing follows the addition in a pre-activation block, so x_L = x_l + sum F(x_i) holds exactly and the
gradient reaching block l carries the undamped "1" of the identity in docs/course.md §1. Since every block starts
with BN-ReLU, the stem is a bare conv and the network ends with one more BN-ReLU before pooling.

CIFAR (stages of 16/32/64 filters): below depth 164 basic blocks, depth 6n+2 (20, 56, 110, ...); from 164 on
bottlenecks, depth 9n+2, as the paper's ResNet-164 and ResNet-1001. The rule is by size because 20, 56, 110
and 164 are both 6n+2 and 9n+2; the paper builds 110 with basic blocks and 164 with bottlenecks.
ImageNet: preact_resnet18 .. 152, the stage layout of the original ResNets.
"""

import torch
from torch import nn

from .blocks import (
    PreActBasicBlock,
    PreActBottleneck,
    PreActPlainBlock,
    PreActPlainBottleneck,
    conv3x3,
    projection_shortcut,
)
from .cifar_resnet import IMAGENET_DEPTHS, SHORTCUTS
from .imagenet_resnet import STAGES
from .network import Shortcut, StagedNetwork
from .registry import Family, register_family

BOTTLENECK_FROM = 164
CIFAR_DEPTHS = (20, 32, 44, 56, 110, 164, 1001)


class PreActCifarResNet(StagedNetwork):
    stage_names = ("layer1", "layer2", "layer3")

    def __init__(
        self,
        block: type[nn.Module],
        blocks_per_stage: int,
        in_channels: int = 3,
        num_classes: int = 10,
        width: int = 16,
        shortcut: Shortcut | None = None,
        zero_init_residual: bool = False,
    ):
        super().__init__(width, shortcut)
        self.conv1 = conv3x3(in_channels, width)  # no BN-ReLU: layer1.0 begins with its own
        self.layer1 = self._make_layer(block, width, blocks_per_stage, stride=1)
        self.layer2 = self._make_layer(block, 2 * width, blocks_per_stage, stride=2)
        self.layer3 = self._make_layer(block, 4 * width, blocks_per_stage, stride=2)
        self.num_features = 4 * width * block.expansion
        self.bn_final = nn.BatchNorm2d(self.num_features)  # the last block's sum is not normalised otherwise
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.num_features, num_classes)
        self._init_weights(zero_init_residual)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        return self.relu(self.bn_final(x))


class PreActResNet(StagedNetwork):
    stage_names = ("layer1", "layer2", "layer3", "layer4")

    def __init__(
        self,
        block: type[nn.Module],
        layers: tuple[int, int, int, int],
        in_channels: int = 3,
        num_classes: int = 1000,
        width: int = 64,
        shortcut: Shortcut | None = projection_shortcut,
        zero_init_residual: bool = False,
    ):
        super().__init__(width, shortcut)
        # 7x7/2 conv and 3x3/2 max-pool with no BN-ReLU between: layer1.0 pre-activates (as timm's ResNetV2).
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0], stride=1)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.num_features = 8 * width * block.expansion
        self.bn_final = nn.BatchNorm2d(self.num_features)
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.num_features, num_classes)
        self._init_weights(zero_init_residual)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.conv1(x))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.relu(self.bn_final(x))


def is_preact_cifar_depth(depth: int) -> bool:
    if depth in IMAGENET_DEPTHS:
        return False
    return (depth - 2) % 9 == 0 if depth >= BOTTLENECK_FROM else depth >= 8 and (depth - 2) % 6 == 0


def _cifar_layout(depth: int, basic: type[nn.Module], bottleneck: type[nn.Module]) -> tuple[type[nn.Module], int]:
    if not is_preact_cifar_depth(depth):
        raise ValueError(f"pre-activation CIFAR nets have depth 6n+2 below {BOTTLENECK_FROM}, 9n+2 from it")
    if depth >= BOTTLENECK_FROM:
        return bottleneck, (depth - 2) // 9  # 3 layers per block, 3 stages
    return basic, (depth - 2) // 6


def preact_resnet(
    depth: int,
    in_channels: int = 3,
    num_classes: int | None = None,
    width: int | None = None,
    shortcut: str | None = None,
    zero_init_residual: bool = False,
) -> nn.Module:
    """CIFAR: shortcut "A" (zero-pad) or "B" (projection) where shapes change; a bottleneck net's first block
    widens 16 -> 64 channels at stride 1, and takes whichever is chosen. ImageNet: always projections."""
    if depth in STAGES:
        kind, layers = STAGES[depth]
        block = PreActBasicBlock if kind == "basic" else PreActBottleneck
        return PreActResNet(
            block, layers, in_channels, num_classes or 1000, width or 64, projection_shortcut, zero_init_residual
        )
    block, n = _cifar_layout(depth, PreActBasicBlock, PreActBottleneck)
    make_shortcut = SHORTCUTS[shortcut or "A"]
    return PreActCifarResNet(block, n, in_channels, num_classes or 10, width or 16, make_shortcut, zero_init_residual)


def preact_plain(
    depth: int,
    in_channels: int = 3,
    num_classes: int | None = None,
    width: int | None = None,
    shortcut: str | None = None,
    zero_init_residual: bool = False,
) -> nn.Module:
    """The pre-activation stacks without shortcuts (`shortcut` and `zero_init_residual` ignored)."""
    del shortcut, zero_init_residual
    if depth in STAGES:
        kind, layers = STAGES[depth]
        block = PreActPlainBlock if kind == "basic" else PreActPlainBottleneck
        return PreActResNet(block, layers, in_channels, num_classes or 1000, width or 64, shortcut=None)
    block, n = _cifar_layout(depth, PreActPlainBlock, PreActPlainBottleneck)
    return PreActCifarResNet(block, n, in_channels, num_classes or 10, width or 16, shortcut=None)


_CIFAR_RULE = f"pre-activation CIFAR nets: depth 6n+2 below {BOTTLENECK_FROM} (20, 56, 110), 9n+2 from it (164, 1001)"
_IMAGENET = {"accepts": STAGES.__contains__, "rule": "ImageNet nets: depth 18, 34, 50, 101 or 152", "input_size": 224}
for _arch, _build in (("preact_resnet", preact_resnet), ("preact_plain", preact_plain)):
    register_family(_arch, Family(_build, is_preact_cifar_depth, _CIFAR_RULE), CIFAR_DEPTHS)
    register_family(_arch, Family(_build, **_IMAGENET, num_classes=1000), IMAGENET_DEPTHS)
