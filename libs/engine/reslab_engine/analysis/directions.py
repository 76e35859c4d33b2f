"""Filter-normalised random directions in weight space (Li et al. 2018, "Visualizing the Loss Landscape of Neural
Nets", §4).

A direction is one tensor per parameter, in `model.named_parameters()` order. Its entries are Gaussian, drawn from
`torch.Generator().manual_seed(seed)` on the CPU in that order, a second direction after the first from the same
generator: two nets whose parameters have the same names' shapes in the same order (resnet-N and plain-N with
option A) get the same draws at the same seed, so their surfaces are taken along matching directions.

Filter normalisation: for each weight of dim >= 2 (a conv's filters; a linear layer's rows, read as 1x1 filters),
each filter of the direction (a slice along dim 0) is scaled to the norm of the same filter in the trained weights,
so a step of 1 along it moves every filter by its own size and nets of different scale are comparable (§4).
Parameters of dim <= 1 (biases, BatchNorm weight and bias) get zero ("we do not perturb them", §4) and use no draws.
"""

import torch
from torch import nn

Direction = list[torch.Tensor]


def perturbed(parameter: torch.Tensor) -> bool:
    """Weights of dim >= 2 move along the directions; biases and BatchNorm parameters stay."""
    return parameter.dim() >= 2


def filter_normalise(direction: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Each filter (slice along dim 0) of `direction` scaled to the norm of the same filter of `weight`."""
    filters = direction.reshape(direction.shape[0], -1)
    target = weight.detach().reshape(weight.shape[0], -1).norm(dim=1, keepdim=True)
    # A Gaussian filter has norm 0 with probability 0; Li et al.'s code guards the division the same way.
    scaled = filters * (target / (filters.norm(dim=1, keepdim=True) + 1e-10))
    return scaled.reshape(direction.shape)


def random_directions(model: nn.Module, seed: int, count: int) -> list[Direction]:
    """`count` filter-normalised directions for the model's current weights, each on its parameters' device and
    memory layout (so adding one to the weights is a plain in-place add)."""
    generator = torch.Generator().manual_seed(seed)
    parameters = [parameter for _, parameter in model.named_parameters()]
    directions: list[Direction] = []
    for _ in range(count):
        direction: Direction = []
        for parameter in parameters:
            if perturbed(parameter):
                draw = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
                values = filter_normalise(draw, parameter.detach().float().cpu())
            else:
                values = torch.zeros(parameter.shape, dtype=torch.float32)
            # empty_like keeps the parameter's strides (channels_last), dtype and device.
            direction.append(torch.empty_like(parameter, requires_grad=False).copy_(values))
        directions.append(direction)
    return directions
