"""The ImageNet networks of He et al. 2016 Table 1, laid out exactly as torchvision's `resnet.py`: a 7x7/2 stem,
BN, ReLU, 3x3/2 max-pool, four stages of 64/128/256/512 filters (scaled by width/64), global average pooling
and a linear head. State-dict keys and shapes match torchvision's, so its weights load with strict=True.
"""

import torch
from torch import nn

from .blocks import BasicBlock, Bottleneck, PlainBlock, PlainBottleneck, projection_shortcut
from .network import Shortcut, StagedNetwork
from .registry import Family, register_family

# depth -> (block kind, blocks per stage), He et al. 2016 Table 1
STAGES: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
DEPTHS = tuple(STAGES)


class ResNet(StagedNetwork):
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
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0], stride=1)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.num_features = 8 * width * block.expansion
        self.fc = nn.Linear(self.num_features, num_classes)
        self._init_weights(zero_init_residual)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def imagenet_resnet(
    depth: int,
    in_channels: int = 3,
    num_classes: int = 1000,
    width: int | None = None,
    shortcut: str = "B",
    zero_init_residual: bool = False,
) -> ResNet:
    """resnet18 .. resnet152. `shortcut` is ignored: projections where shapes change (option B), as the paper's
    ImageNet models and torchvision's, whose weights must load unchanged."""
    del shortcut
    kind, layers = STAGES[depth]
    block = BasicBlock if kind == "basic" else Bottleneck
    return ResNet(block, layers, in_channels, num_classes, width or 64, projection_shortcut, zero_init_residual)


def imagenet_plain(
    depth: int,
    in_channels: int = 3,
    num_classes: int = 1000,
    width: int | None = None,
    shortcut: str = "B",
    zero_init_residual: bool = False,
) -> ResNet:
    """plain18 .. plain152: the same layers without any shortcut, so without downsample projections either."""
    del shortcut, zero_init_residual
    kind, layers = STAGES[depth]
    block = PlainBlock if kind == "basic" else PlainBottleneck
    return ResNet(block, layers, in_channels, num_classes, width or 64, shortcut=None)


_RULE = "ImageNet nets: depth 18, 34, 50, 101 or 152"
_family = {"accepts": STAGES.__contains__, "rule": _RULE, "input_size": 224, "num_classes": 1000}
register_family("resnet", Family(imagenet_resnet, **_family), DEPTHS)
register_family("plain", Family(imagenet_plain, **_family), DEPTHS)
