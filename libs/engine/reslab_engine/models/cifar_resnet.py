"""The CIFAR-10 networks of He et al. 2016 §4.2: depth 6n+2, three stages of 2n layers at 16/32/64 filters on
32x32 (here also 28x28) inputs, global average pooling and a linear head; plus the plain counterparts.

Every model exposes the same surface: `forward_features`, `forward_head`, and `named_blocks()` so analyses
attach to blocks by name (`layer2.0`), never by index.
"""

from collections.abc import Callable, Iterator

import torch
from torch import nn

from .blocks import BasicBlock, PadShortcut, PlainBlock, conv3x3, projection_shortcut
from .registry import Family, register_family

PAPER_DEPTHS = (20, 32, 44, 56, 110, 1202)
Shortcut = Callable[[int, int, int], nn.Module]


class CifarResNet(nn.Module):
    def __init__(
        self,
        block: type[nn.Module],
        blocks_per_stage: int,
        in_channels: int = 3,
        num_classes: int = 10,
        width: int = 16,
        shortcut: Shortcut | None = None,
    ):
        super().__init__()
        self.shortcut = shortcut  # builds a block's downsample where shapes change; None for plain nets
        self.in_planes = width
        self.conv1 = conv3x3(in_channels, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, blocks_per_stage, stride=1)
        self.layer2 = self._make_layer(block, 2 * width, blocks_per_stage, stride=2)
        self.layer3 = self._make_layer(block, 4 * width, blocks_per_stage, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.num_features = 4 * width * block.expansion
        self.fc = nn.Linear(self.num_features, num_classes)
        self._init_weights()

    def _make_layer(self, block: type[nn.Module], planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = []
        for index in range(blocks):
            block_stride = stride if index == 0 else 1
            out_planes = planes * block.expansion
            reshape = block_stride != 1 or self.in_planes != out_planes
            downsample = self.shortcut(self.in_planes, out_planes, block_stride) if self.shortcut and reshape else None
            layers.append(block(self.in_planes, planes, block_stride, downsample))
            self.in_planes = out_planes
        return nn.Sequential(*layers)

    def _init_weights(self) -> None:
        # He et al. 2015 ("Delving deep into rectifiers") init, fan_out as in torchvision.
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def named_blocks(self) -> Iterator[tuple[str, nn.Module]]:
        for stage in ("layer1", "layer2", "layer3"):
            for index, block in enumerate(getattr(self, stage)):
                yield f"{stage}.{index}", block

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        return self.layer3(self.layer2(self.layer1(x)))

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(x), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


def _blocks_per_stage(depth: int) -> int:
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"CIFAR networks have depth 6n+2 (n >= 1), got {depth}")
    return (depth - 2) // 6


def cifar_resnet(depth: int, in_channels: int = 3, num_classes: int = 10, width: int | None = None, shortcut="A"):
    """Residual net; shortcut "A" (zero-pad identity, the paper's CIFAR choice) or "B" (1x1 projection)."""
    make_shortcut = {"A": PadShortcut, "B": projection_shortcut}[shortcut]
    return CifarResNet(BasicBlock, _blocks_per_stage(depth), in_channels, num_classes, width or 16, make_shortcut)


def cifar_plain(depth: int, in_channels: int = 3, num_classes: int = 10, width: int | None = None, shortcut="A"):
    """The same stack without shortcuts; `shortcut` is accepted for a uniform builder signature and unused."""
    del shortcut
    return CifarResNet(PlainBlock, _blocks_per_stage(depth), in_channels, num_classes, width or 16, shortcut=None)


def _is_cifar_depth(depth: int) -> bool:
    return depth >= 8 and (depth - 2) % 6 == 0


_RULE = "the CIFAR family needs depth 6n+2, e.g. 20, 32, 44, 56, 110, 1202"
register_family("resnet", Family(cifar_resnet, _is_cifar_depth, _RULE), PAPER_DEPTHS)
register_family("plain", Family(cifar_plain, _is_cifar_depth, _RULE), PAPER_DEPTHS)
