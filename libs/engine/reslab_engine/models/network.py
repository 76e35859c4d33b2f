"""What every network of the zoo shares: stages of blocks built by `_make_layer`, He initialisation, and one
surface (`forward_features`, `forward_head`, `named_blocks()`) so analyses attach to blocks by name
(`layer3.1`), never by index.
"""

from collections.abc import Callable, Iterator

import torch
from torch import nn

Shortcut = Callable[[int, int, int], nn.Module]  # (in_planes, out_planes, stride) -> module reshaping the identity


class StagedNetwork(nn.Module):
    """Subclasses build a stem, stages named `layer1`, `layer2`, ... (listed in `stage_names`), `avgpool` and
    `fc`, then call `_init_weights`. `shortcut` is None for plain nets: their blocks get no downsample."""

    stage_names: tuple[str, ...] = ()

    def __init__(self, in_planes: int, shortcut: Shortcut | None):
        super().__init__()
        self.in_planes = in_planes  # channels entering the next block; advanced by _make_layer
        self.shortcut = shortcut

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

    def _init_weights(self, zero_init_residual: bool) -> None:
        # He et al. 2015 ("Delving deep into rectifiers") init, fan_out as in torchvision; Linear keeps torch's.
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        if zero_init_residual:
            # Every block starts as (relu of) its shortcut (Goyal et al. 2017); plain builders never ask for it,
            # since a plain block with a zeroed branch passes nothing on.
            for _, block in self.named_blocks():
                block.zero_init_residual_()

    def named_blocks(self) -> Iterator[tuple[str, nn.Module]]:
        for stage in self.stage_names:
            for index, block in enumerate(getattr(self, stage)):
                yield f"{stage}.{index}", block

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(x), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))
