"""Gradient flow (docs/course.md §1): per-block gradient and activation norms on a few fixed training batches.

For each block of `model.named_blocks()` (`layer1.0`, ...), averaged over the batches (mean of per-batch values):

- paramGradNorm: ||dL/dW||_2 over all the block's parameters, L the batch's mean cross-entropy with the run's
  label smoothing: the gradient SGD steps by (before weight decay).
- inputGradNorm: ||d(B L)/dx_i||_2 over C x H x W of the block's input x, for each example i of the B in the
  batch, then the mean over examples. B L = sum_j loss_j, so this is each example's own loss gradient and does
  not shrink as the batch grows. (BatchNorm couples examples: it is example i's slice of the batch gradient.)
  This is the signal that the identity carries back to shallow blocks.
- activationNorm: ||y_i||_2 of the block's output for each example, mean over examples.

Measured in train mode (BatchNorm on batch statistics, as training sees the net), in float32 on the eager model,
without augmentation. Training is not disturbed: gradients come from torch.autograd.grad and never touch
`.grad` or the optimizer; BatchNorm running statistics are saved and restored; the batches are drawn once, from
a generator of their own, so the training RNG is not consumed and every epoch measures the same images.
"""

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .data import DataSplits
from .data.batches import normalise


def fixed_batches(data: DataSplits, count: int, batch_size: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """`count` training batches (fewer if the training split is smaller), the same for the whole run."""
    order = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(seed))
    batches = []
    for start in range(0, min(count * batch_size, len(order)), batch_size):
        index = order[start : start + batch_size].to(data.train.labels.device)
        batches.append((normalise(data.train.images[index], data.mean, data.std), data.train.labels[index]))
    return batches


def _norm(tensors: list[torch.Tensor | None]) -> float:
    squares = [t.detach().double().pow(2).sum() for t in tensors if t is not None]  # unused parameter: zero
    return math.sqrt(float(sum(squares))) if squares else 0.0


def _per_example_norm(tensor: torch.Tensor) -> float:
    return float(tensor.detach().flatten(1).double().norm(dim=1).mean())


def gradient_flow(
    model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]], label_smoothing: float = 0.0
) -> list[dict[str, Any]]:
    """Per-block norms, in block order, averaged over `batches` (see the module docstring for definitions)."""
    blocks = list(model.named_blocks())
    sums = {name: [0.0, 0.0, 0.0] for name, _ in blocks}
    seen: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # block name -> (input, output) of the last forward

    def record(name: str):
        def hook(module, args, output):
            seen[name] = (args[0], output)

        return hook

    handles = [block.register_forward_hook(record(name)) for name, block in blocks]
    saved_buffers = [buffer.detach().clone() for buffer in model.buffers()]
    was_training = model.training
    model.train()
    try:
        for x, y in batches:
            # requires_grad on the image: every block input then lies on the autograd graph, even that of a
            # block which takes the image directly.
            logits = model(x.detach().float().requires_grad_(True))
            loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
            inputs = [seen[name][0] for name, _ in blocks]
            params = [list(block.parameters()) for _, block in blocks]
            grads = torch.autograd.grad(loss, inputs + [p for ps in params for p in ps], allow_unused=True)
            input_grads, param_grads = grads[: len(inputs)], grads[len(inputs) :]
            for (name, _), input_grad, block_params in zip(blocks, input_grads, params, strict=True):
                block_grads, param_grads = param_grads[: len(block_params)], param_grads[len(block_params) :]
                sums[name][0] += _norm(list(block_grads))
                sums[name][1] += _per_example_norm(input_grad * len(y)) if input_grad is not None else 0.0
                sums[name][2] += _per_example_norm(seen[name][1])
    finally:
        for handle in handles:
            handle.remove()
        with torch.no_grad():  # train-mode forwards moved the running statistics; put them back
            for buffer, saved in zip(model.buffers(), saved_buffers, strict=True):
                buffer.copy_(saved)
        model.train(was_training)
    count = max(len(batches), 1)
    return [
        {
            "name": name,
            "paramGradNorm": param / count,
            "inputGradNorm": input_ / count,
            "activationNorm": activation / count,
        }
        for name, (param, input_, activation) in sums.items()
    ]
