"""The bottleneck's cost (docs/course.md §4, issue 11 §4): parameters and multiply-accumulates per layer and block.

Three units, none of which needs trained weights:

- `model`: the run's net. Every Conv2d and Linear with its stage, block, input and output shape for one image,
  parameters and MACs; every block with its shapes, parameters (BN and projection shortcut included) and MACs.
- `twin`: the same stages, blocks per stage and `planes` per stage with the other block, BasicBlock <-> Bottleneck,
  as ResNet-34 <-> ResNet-50 in He et al. 2016 Table 1 (same [3, 4, 6, 3] blocks and planes; the bottleneck's
  output is 4x wider). Plain nets get PlainBottleneck, pre-activation nets PreActBottleneck, and back.
- `course`: §4's example, one block at 256 channels on a 56x56 map (He et al. 2016 Fig. 5): two 3x3 convs
  256->256 against 1x1 256->64, 3x3 64->64, 1x1 64->256. Conv weights only, as the course counts them.

MACs are torch.utils.flop_counter.FlopCounterMode's FLOPs / 2, per module from its per-module counts: convolutions
and matrix products only, so BN, ReLU, pooling and the shortcut additions are left out, as in the paper's and
torchvision's figures. The twin and the course's blocks are built on the meta device: shapes only, no memory.
"""

from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..models.blocks import (
    BasicBlock,
    Bottleneck,
    PlainBlock,
    PlainBottleneck,
    PreActBasicBlock,
    PreActBottleneck,
    PreActPlainBlock,
    PreActPlainBottleneck,
)
from ..models.network import StagedNetwork
from ..models.registry import count_params
from .runner import AnalysisContext

TWIN_BLOCKS: dict[type[nn.Module], type[nn.Module]] = {}
for _basic, _bottleneck in (
    (BasicBlock, Bottleneck),
    (PlainBlock, PlainBottleneck),
    (PreActBasicBlock, PreActBottleneck),
    (PreActPlainBlock, PreActPlainBottleneck),
):
    TWIN_BLOCKS[_basic], TWIN_BLOCKS[_bottleneck] = _bottleneck, _basic

COURSE_CHANNELS, COURSE_SIZE = 256, 56


def block_kind(block: type[nn.Module]) -> str:
    return "basic" if block.expansion == 1 else "bottleneck"


def block_type(model: StagedNetwork) -> type[nn.Module]:
    return type(next(iter(model.named_blocks()))[1])


def twin(model: StagedNetwork, in_channels: int, num_classes: int) -> StagedNetwork:
    """The net of the same class, stages, blocks per stage, width and shortcut with the other block, on meta.

    Every StagedNetwork class takes (block, layout, in_channels, num_classes, width, shortcut); the CIFAR classes
    take one blocks-per-stage count, the ImageNet classes one per stage."""
    layout = [len(getattr(model, stage)) for stage in model.stage_names]
    per_stage = layout[0] if len(model.stage_names) == 3 else tuple(layout)
    width = model.conv1.out_channels  # the stem's width is the first stage's planes
    with torch.device("meta"):
        return type(model)(TWIN_BLOCKS[block_type(model)], per_stage, in_channels, num_classes, width, model.shortcut)


def _layer_kind(module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        return f"conv{module.kernel_size[0]}x{module.kernel_size[1]}"
    return "linear"


def _macs(counts: dict[str, dict[Any, int]], key: str) -> float:
    return sum(counts.get(key, {}).values()) / 2


def count_costs(model: StagedNetwork, input_shape: list[int]) -> dict[str, Any]:
    """Layers, blocks and totals of `model` for one image of `input_shape` (C, H, W): ModelCost's measured fields."""
    layers = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    blocks = list(model.named_blocks())
    shapes: dict[str, tuple[list[int], list[int]]] = {}

    def record(name: str):
        def hook(module, args, output):
            shapes[name] = (list(args[0].shape[1:]), list(output.shape[1:]))  # one image: drop the batch dim

        return hook

    handles = [module.register_forward_hook(record(name)) for name, module in layers + blocks]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *input_shape, device=device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    counts = counter.get_flop_counts()
    root = type(model).__name__  # FlopCounterMode names a module by its path under the root's class name

    def place(name: str) -> tuple[str | None, str | None]:
        for stage in model.stage_names:
            if name.startswith(f"{stage}."):
                return stage, ".".join(name.split(".")[:2])
        return None, None

    return {
        "input": list(input_shape),
        "layers": [
            {
                "name": name,
                "kind": _layer_kind(module),
                "stage": place(name)[0],
                "block": place(name)[1],
                "inShape": shapes[name][0],
                "outShape": shapes[name][1],
                "params": count_params(module),
                "macs": _macs(counts, f"{root}.{name}"),
            }
            for name, module in layers
        ],
        "blocks": [
            {
                "name": name,
                "stage": place(name)[0],
                "inShape": shapes[name][0],
                "outShape": shapes[name][1],
                "params": count_params(block),
                "macs": _macs(counts, f"{root}.{name}"),
            }
            for name, block in blocks
        ],
        "totalParams": count_params(model),
        "totalMacs": counter.get_total_flops() / 2,
    }


def course_example(channels: int = COURSE_CHANNELS, size: int = COURSE_SIZE) -> dict[str, Any]:
    """One basic block (planes = channels) against one bottleneck (planes = channels / 4, output 4x): the same
    channels in and out, as in He et al. 2016 Fig. 5. Conv weights only; MACs per conv from the counter."""
    rows = []
    with torch.device("meta"):
        candidates = (BasicBlock(channels, channels), Bottleneck(channels, channels // Bottleneck.expansion))
    for block in candidates:
        block.eval()
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            block(torch.zeros(1, channels, size, size, device="meta"))
        counts = counter.get_flop_counts()
        root = type(block).__name__
        convs = [(name, m) for name, m in block.named_modules() if isinstance(m, nn.Conv2d)]
        layers = [
            {
                "kind": _layer_kind(conv),
                "inC": conv.in_channels,
                "outC": conv.out_channels,
                "params": count_params(conv),
                "macs": _macs(counts, f"{root}.{name}"),
            }
            for name, conv in convs
        ]
        rows.append(
            {
                "block": block_kind(type(block)),
                "layers": layers,
                "params": sum(layer["params"] for layer in layers),
                "macs": counter.get_total_flops() / 2,
            }
        )
    return {"section": "cost.course", "channels": channels, "size": size, "rows": rows}


class CostAnalysis:
    def __init__(self, context: AnalysisContext):
        self.context = context
        data = context.data
        size = context.params.get("inputSize")
        height, width = (size, size) if size else data.train.images.shape[-2:]
        self.input_shape = [data.in_channels, int(height), int(width)]

    def units(self) -> list[str]:
        return ["model", "twin", "course"]

    def compute(self, unit: str, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        if unit == "course":
            return course_example()
        model = self.context.model
        name = self.context.job.run.model.name
        if unit == "twin":
            model = twin(model, self.context.data.in_channels, self.context.data.num_classes)
            name = f"{name}-{block_kind(block_type(model))}"
        return {
            "section": "cost.model",
            "role": "run" if unit == "model" else "twin",
            "name": name,
            "block": block_kind(block_type(model)),
            **count_costs(model, self.input_shape),
        }


def build(context: AnalysisContext) -> CostAnalysis:
    return CostAnalysis(context)
