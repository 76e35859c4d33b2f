"""Named model builders (after torchvision/timm): `create_model("resnet20", in_channels=1, num_classes=10)`.

A name is `${arch}${depth}`. An arch has one or more *families*, each owning a set of depths: `resnet18` ..
`resnet152` are the ImageNet nets, `resnet20`, `resnet56`, ... (any 6n+2) the CIFAR nets. A family's listed
depths are registered names; it also accepts any depth its rule allows (`resnet8` works without being listed).

Every builder takes `in_channels`, `num_classes`, `width`, `shortcut` and `zero_init_residual`, and ignores what
does not apply to it, so a caller can pass a run config's model section unchanged.
"""

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class Family:
    build: Callable[..., nn.Module]  # build(depth, **kwargs)
    accepts: Callable[[int], bool]
    rule: str  # human-readable depth rule, for error messages
    input_size: int = 32  # side of the square image its nets are made for; FLOPs are counted at it
    num_classes: int = 10  # the data set its nets are made for (CIFAR-10, ImageNet-1k): the default head


@dataclass(frozen=True)
class ModelEntry:
    name: str
    build: Builder
    input_size: int
    num_classes: int


@dataclass(frozen=True)
class ModelInfo:
    name: str
    params: int  # with 3 input channels and the family's num_classes
    flops: int  # multiply-accumulates of every conv and linear layer, one image of input_size x input_size
    input_size: int
    num_classes: int


_models: dict[str, ModelEntry] = {}
_families: dict[str, list[Family]] = {}


def register_model(name: str, builder: Builder, *, input_size: int = 32, num_classes: int = 10) -> Builder:
    if name in _models:
        raise ValueError(f"model '{name}' is already registered")
    _models[name] = ModelEntry(name, builder, input_size, num_classes)
    return builder


def register_family(arch: str, family: Family, listed_depths: tuple[int, ...]) -> None:
    """Add a family to `arch`; its depths must not overlap another family's of the same arch."""
    for other in _families.get(arch, []):
        if clash := [depth for depth in listed_depths if other.accepts(depth)]:
            raise ValueError(f"'{arch}' depths {clash} already belong to another family ({other.rule})")
    _families.setdefault(arch, []).append(family)
    for depth in listed_depths:
        if not family.accepts(depth):
            raise ValueError(f"'{arch}{depth}' is listed but its family rejects it ({family.rule})")
        register_model(
            f"{arch}{depth}",
            lambda depth=depth, **kwargs: family.build(depth, **kwargs),
            input_size=family.input_size,
            num_classes=family.num_classes,
        )


def _split(name: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"([a-z_]+?)(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else None


def _sort_key(name: str) -> tuple[str, int]:
    arch, depth = _split(name) or (name, 0)
    return arch, depth


def list_models(pattern: str = "*") -> list[str]:
    """Registered names matching a shell-style pattern (`resnet*`, `*plain*`), sorted by arch then depth."""
    return sorted(fnmatch.filter(_models, pattern), key=_sort_key)


def _resolve(name: str) -> ModelEntry | None:
    if name in _models:
        return _models[name]
    parts = _split(name)
    if parts is None:
        return None
    arch, depth = parts
    for family in _families.get(arch, []):
        if family.accepts(depth):
            return ModelEntry(
                name,
                lambda family=family, **kwargs: family.build(depth, **kwargs),
                family.input_size,
                family.num_classes,
            )
    return None


def is_known(name: str) -> bool:
    return _resolve(name) is not None


def arch_of(name: str) -> str:
    return _sort_key(name)[0]


def family_rule(arch: str) -> str | None:
    families = _families.get(arch)
    return "; ".join(family.rule for family in families) if families else None


def _unknown(name: str) -> KeyError:
    return KeyError(f"unknown model '{name}'; valid names: {', '.join(list_models())}")


def create_model(name: str, *, bn_momentum: float | None = None, **kwargs) -> nn.Module:
    """Build a model; `num_classes=None` (or absent) means the family's default (10 CIFAR, 1000 ImageNet).

    `bn_momentum` sets every BatchNorm's running-statistics momentum (None keeps PyTorch's 0.1). It is applied
    here, once, rather than threaded through every builder: it changes no parameter and no training step."""
    entry = _resolve(name)
    if entry is None:
        raise _unknown(name)
    if kwargs.get("num_classes") is None:
        kwargs["num_classes"] = entry.num_classes
    model = entry.build(**kwargs)
    if bn_momentum is not None:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.momentum = bn_momentum
    return model


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of all Conv2d and Linear layers for one input of `input_shape` (C, H, W), counted by
    forward hooks. Run on a meta-device model it costs no memory and no arithmetic. BN, ReLU, pooling and the
    shortcut additions are left out, as in torchvision's and the paper's figures."""
    total = 0

    def conv_hook(module: nn.Conv2d, inputs, output: torch.Tensor) -> None:
        nonlocal total
        kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
        total += output[0].numel() * kernel  # output[0]: one image's C_out x H_out x W_out

    def linear_hook(module: nn.Linear, inputs, output: torch.Tensor) -> None:
        nonlocal total
        total += module.in_features * module.out_features

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    was_training = model.training
    device = next(model.parameters()).device
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_shape, device=device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return total


def model_info(name: str, input_size: int | None = None) -> ModelInfo:
    """Parameters and FLOPs of a model built with 3 input channels and its family's default head, at
    `input_size` (default: the size its family is made for, 32 for CIFAR nets, 224 for ImageNet nets)."""
    entry = _resolve(name)
    if entry is None:
        raise _unknown(name)
    size = input_size or entry.input_size
    with torch.device("meta"):  # shapes only: a ResNet-1202 or -152 is described in well under a second
        model = entry.build(in_channels=3, num_classes=entry.num_classes)
    return ModelInfo(name, count_params(model), count_flops(model, (3, size, size)), size, entry.num_classes)
