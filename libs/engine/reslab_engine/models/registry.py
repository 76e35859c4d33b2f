"""Named model builders (after torchvision/timm): `create_model("resnet20", in_channels=1, num_classes=10)`.

A name is `${arch}${depth}`. Fixed names are listed; a *family* additionally accepts any depth its rule
allows (the CIFAR family: any 6n+2, so `resnet8` works in tests without being listed).
"""

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

Builder = Callable[..., nn.Module]

_models: dict[str, Builder] = {}
_families: dict[str, "Family"] = {}


@dataclass(frozen=True)
class Family:
    build: Callable[..., nn.Module]  # build(depth, **kwargs)
    accepts: Callable[[int], bool]
    rule: str  # human-readable depth rule, for error messages


def register_model(name: str, builder: Builder) -> Builder:
    if name in _models:
        raise ValueError(f"model '{name}' is already registered")
    _models[name] = builder
    return builder


def register_family(arch: str, family: Family, listed_depths: tuple[int, ...]) -> None:
    if arch in _families:
        raise ValueError(f"model family '{arch}' is already registered")
    _families[arch] = family
    for depth in listed_depths:
        register_model(f"{arch}{depth}", lambda depth=depth, **kwargs: family.build(depth, **kwargs))


def list_models(pattern: str = "*") -> list[str]:
    def key(name: str) -> tuple[str, int]:
        arch, depth = _split(name) or (name, 0)
        return arch, depth

    return sorted(fnmatch.filter(_models, pattern), key=key)


def _split(name: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"([a-z_]+?)(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else None


def _resolve(name: str) -> Builder | None:
    if name in _models:
        return _models[name]
    parts = _split(name)
    if parts and parts[0] in _families and _families[parts[0]].accepts(parts[1]):
        arch, depth = parts
        return lambda **kwargs: _families[arch].build(depth, **kwargs)
    return None


def is_known(name: str) -> bool:
    return _resolve(name) is not None


def family_rule(arch: str) -> str | None:
    return _families[arch].rule if arch in _families else None


def create_model(name: str, **kwargs) -> nn.Module:
    builder = _resolve(name)
    if builder is None:
        raise KeyError(f"unknown model '{name}'; valid names: {', '.join(list_models())}")
    return builder(**kwargs)
