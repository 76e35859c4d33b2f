"""The CIFAR-10 networks of He et al. 2016 §4.2: depth 6n+2, three stages of 2n layers at 16/32/64 filters on
32x32 (here also 28x28) inputs, global average pooling and a linear head; plus the plain counterparts.
"""

import torch
from torch import nn

from .blocks import BasicBlock, PadShortcut, PlainBlock, conv3x3, projection_shortcut
from .network import Shortcut, StagedNetwork
from .registry import Family, register_family

PAPER_DEPTHS = (20, 32, 44, 56, 110, 1202)
IMAGENET_DEPTHS = (18, 34, 50, 101, 152)  # 50 and 152 are 6n+2 too; those names mean the ImageNet nets
SHORTCUTS: dict[str, Shortcut] = {"A": PadShortcut, "B": projection_shortcut}


class CifarResNet(StagedNetwork):
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
        self.conv1 = conv3x3(in_channels, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, blocks_per_stage, stride=1)
        self.layer2 = self._make_layer(block, 2 * width, blocks_per_stage, stride=2)
        self.layer3 = self._make_layer(block, 4 * width, blocks_per_stage, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.num_features = 4 * width * block.expansion
        self.fc = nn.Linear(self.num_features, num_classes)
        self._init_weights(zero_init_residual)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        return self.layer3(self.layer2(self.layer1(x)))


def is_cifar_depth(depth: int) -> bool:
    return depth >= 8 and (depth - 2) % 6 == 0 and depth not in IMAGENET_DEPTHS


def _blocks_per_stage(depth: int) -> int:
    if not is_cifar_depth(depth):
        raise ValueError(f"CIFAR networks have depth 6n+2 (n >= 1, not 50 or 152), got {depth}")
    return (depth - 2) // 6


def cifar_resnet(
    depth: int,
    in_channels: int = 3,
    num_classes: int = 10,
    width: int | None = None,
    shortcut: str = "A",
    zero_init_residual: bool = False,
) -> CifarResNet:
    """Residual net; shortcut "A" (zero-pad identity, the paper's CIFAR choice) or "B" (1x1 projection)."""
    return CifarResNet(
        BasicBlock,
        _blocks_per_stage(depth),
        in_channels,
        num_classes,
        width or 16,
        SHORTCUTS[shortcut],
        zero_init_residual,
    )


def cifar_plain(
    depth: int,
    in_channels: int = 3,
    num_classes: int = 10,
    width: int | None = None,
    shortcut: str = "A",
    zero_init_residual: bool = False,
) -> CifarResNet:
    """The same stack without shortcuts. `shortcut` and `zero_init_residual` are accepted for a uniform builder
    signature and ignored: there is no shortcut, and no residual branch to zero."""
    del shortcut, zero_init_residual
    return CifarResNet(PlainBlock, _blocks_per_stage(depth), in_channels, num_classes, width or 16, shortcut=None)


_RULE = "CIFAR nets: depth 6n+2, e.g. 20, 32, 44, 56, 110, 1202"
register_family("resnet", Family(cifar_resnet, is_cifar_depth, _RULE), PAPER_DEPTHS)
register_family("plain", Family(cifar_plain, is_cifar_depth, _RULE), PAPER_DEPTHS)
