"""Test-time edits of a trained net's blocks for the lesion study (Veit et al. 2016): delete, bypass, reorder, and
cut the gradient of a branch or a shortcut. Each edit swaps a block's `forward` for the duration of a `with` and
puts it back after; no weight is touched, so the checkpoint's net is the same before and after.

A residual block computes y = act(F(x) + s(x)): F its `branch`, s its shortcut (the identity, option A's
PadShortcut or option B's projection where the block reshapes), act the ReLU after the addition for the original
blocks and nothing for the pre-activation ones (He et al. 2016b). A plain block computes act(F(x)) only.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

import torch
from torch import nn

from ..models.blocks import PLAIN_BLOCKS, RESIDUAL_BLOCKS, PreActBasicBlock, PreActBottleneck

Forward = Callable[[torch.Tensor], torch.Tensor]
_PREACT = (PreActBasicBlock, PreActBottleneck)


def is_residual(block: nn.Module) -> bool:
    if isinstance(block, RESIDUAL_BLOCKS):
        return True
    if isinstance(block, PLAIN_BLOCKS):
        return False
    raise TypeError(f"{type(block).__name__} is neither a residual nor a plain block of models/blocks.py")


def reshapes(block: nn.Module) -> bool:
    """Whether the block's output differs in shape from its input: a stride or a change of channels along F."""
    convs = [m for name, m in block.named_modules() if isinstance(m, nn.Conv2d) and not name.startswith("downsample")]
    return convs[0].in_channels != convs[-1].out_channels or any(conv.stride != (1, 1) for conv in convs)


def _branch_input(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What F and a reshaping shortcut read: x, or BN-ReLU(x) in a pre-activation block (blocks.py, "both_preact")."""
    return block.preact(x) if isinstance(block, _PREACT) else x


def _shortcut(block: nn.Module, x: torch.Tensor, branch_input: torch.Tensor) -> torch.Tensor:
    return x if block.downsample is None else block.downsample(branch_input)


def _after_add(block: nn.Module, total: torch.Tensor) -> torch.Tensor:
    return total if isinstance(block, _PREACT) else block.relu(total)


def shortcut_only(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A residual block with F removed: act(s(x)). At a stage's first block this keeps the downsampling shortcut,
    as Veit et al. do, so the rest of the net still gets the shape it expects."""
    branch_input = x if block.downsample is None else _branch_input(block, x)
    return _after_add(block, _shortcut(block, x, branch_input))


@contextmanager
def forwards_replaced(replacements: dict[nn.Module, Forward]) -> Iterator[None]:
    """Each block's forward replaced by the given function until the `with` ends. The function goes into the
    instance's __dict__, where nn.Module.__call__ finds it before the class's forward."""
    for block, forward in replacements.items():
        block.forward = forward
    try:
        yield
    finally:
        for block in replacements:
            del block.forward


def _deleted_forward(block: nn.Module) -> Forward:
    if is_residual(block):
        return lambda x: shortcut_only(block, x)
    # A plain block's branch is its only path: cutting it passes on nothing. F runs only for its output's shape.
    return lambda x: torch.zeros_like(block.branch(x))


def deleted(blocks: Iterable[nn.Module]) -> AbstractContextManager[None]:
    """Delete blocks at test time (Veit et al. 2016 §4): residual blocks keep their shortcut, plain ones output
    zeros."""
    return forwards_replaced({block: _deleted_forward(block) for block in blocks})


def bypassed(block: nn.Module) -> AbstractContextManager[None]:
    """A plain block replaced by the identity, y = x (Veit et al.'s removal of a VGG layer); only where the block
    keeps the shape."""
    if reshapes(block):
        raise ValueError("a block that changes the shape cannot be bypassed by the identity")
    return forwards_replaced({block: lambda x: x})


def reordered(blocks: list[nn.Module], order: list[int]) -> AbstractContextManager[None]:
    """Position i of `blocks` runs block `order[i]` instead (Veit et al. 2016 §4). The caller keeps
    swaps between blocks of the same shape."""
    return forwards_replaced(
        {
            blocks[position]: type(blocks[j]).forward.__get__(blocks[j])
            for position, j in enumerate(order)
            if position != j
        }
    )


def _path_forward(block: nn.Module, through_branch: bool) -> Forward:
    """The forward value is unchanged; the backward goes through F only (`through_branch`) or through s only."""

    def forward(x: torch.Tensor) -> torch.Tensor:
        branch_input = _branch_input(block, x)
        branch = block.branch_after_preact(branch_input) if isinstance(block, _PREACT) else block.branch(x)
        shortcut = _shortcut(block, x, branch_input)
        total = branch + shortcut.detach() if through_branch else branch.detach() + shortcut
        return _after_add(block, total)

    return forward


def paths_of_length(blocks: list[nn.Module], on: set[int]) -> AbstractContextManager[None]:
    """The paper's sampling of paths (Veit et al. 2016 §5): in the backward pass the residual blocks in `on`
    carry the gradient through their branch only, the other residual blocks through their shortcut only. Plain
    blocks have one path through them, their branch, and are left as they are."""
    return forwards_replaced(
        {block: _path_forward(block, i in on) for i, block in enumerate(blocks) if is_residual(block)}
    )
