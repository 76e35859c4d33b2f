"""Run config: load the JSON file, validate it against the contract's JSON Schema, fill defaults, check semantics.

The schema (libs/contracts/json-schema/run-config.schema.json) is the single source of truth for shape and
defaults; this module adds only what a schema cannot say (which depths an arch has, data sets not built yet).
"""

import copy
import json
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema

from .errors import ConfigError
from .models import registry

CONTRACTS_ENV = "RESLAB_CONTRACTS_DIR"
NOT_BUILT_DATASETS: set[str] = set()


def contracts_dir() -> Path:
    env = os.environ.get(CONTRACTS_ENV)
    # <libs/engine>/reslab_engine/config.py -> <libs>/contracts/json-schema
    return Path(env) if env else Path(__file__).resolve().parents[2] / "contracts" / "json-schema"


def load_schema(name: str) -> dict[str, Any]:
    path = contracts_dir() / name
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read schema {path}: {exc.strerror}; set {CONTRACTS_ENV}") from exc


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Section:
    """A config section: built from the validated camelCase JSON, written back as the same JSON."""

    @classmethod
    def from_json(cls, obj: dict[str, Any]):
        return cls(**{_snake(key): value for key, value in obj.items()})

    def to_json(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[_camel(f.name)] = value.to_json() if isinstance(value, _Section) else value
        return out


@dataclass(frozen=True)
class ModelConfig(_Section):
    arch: str
    depth: int
    width: int | None = None
    shortcut: str = "A"
    zero_init_residual: bool = False
    num_classes: int | None = None
    bn_momentum: float | None = None

    @property
    def name(self) -> str:
        return f"{self.arch}{self.depth}"


@dataclass(frozen=True)
class DataConfig(_Section):
    dataset: str
    root: str | None = None
    train_subset: int | None = None
    val_size: int = 5000
    test_subset: int | None = None
    augment: bool = False
    image_size: int | None = None
    on_corrupt_image: str = "error"
    download: bool = False


@dataclass(frozen=True)
class OptimConfig(_Section):
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 1e-4
    batch_size: int = 128
    schedule: str = "constant"
    label_smoothing: float = 0.0
    milestones: tuple[float, ...] = (0.5, 0.75)
    warmup: dict[str, Any] | None = None  # {"lr": float, "iterations": int}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "OptimConfig":
        obj = dict(obj)
        if "milestones" in obj:
            obj["milestones"] = tuple(obj["milestones"])
        return super().from_json(obj)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["milestones"] = list(self.milestones)
        return out


@dataclass(frozen=True)
class TrainConfig(_Section):
    channels_last: bool = True
    amp: str = "auto"
    compile: bool = False
    sync_batch_norm: bool = False


@dataclass(frozen=True)
class ResourcesConfig(_Section):
    gpus: int = 1  # processes per node: one per GPU, or per CPU slot
    nodes: int = 1

    @property
    def world_size(self) -> int:
        return self.gpus * self.nodes


@dataclass(frozen=True)
class DiagnosticsConfig(_Section):
    grad_flow_batches: int = 4
    curvature_every: int = 0  # epochs; 0 = off
    curvature_images: int = 256


@dataclass(frozen=True)
class RunConfig(_Section):
    model: ModelConfig
    data: DataConfig
    optim: OptimConfig
    epochs: int
    train: TrainConfig = TrainConfig()
    diagnostics: DiagnosticsConfig = DiagnosticsConfig()
    resources: ResourcesConfig = ResourcesConfig()
    version: int = 1
    seed: int = 0
    device: str = "auto"

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "RunConfig":
        obj = dict(obj)
        sections = {
            "model": ModelConfig.from_json(obj.pop("model")),
            "data": DataConfig.from_json(obj.pop("data")),
            "optim": OptimConfig.from_json(obj.pop("optim")),
            "train": TrainConfig.from_json(obj.pop("train", {})),
            "diagnostics": DiagnosticsConfig.from_json(obj.pop("diagnostics", {})),
            "resources": ResourcesConfig.from_json(obj.pop("resources", {})),
        }
        return cls(**sections, **{_snake(key): value for key, value in obj.items()})


def apply_defaults(schema: dict[str, Any], instance: dict[str, Any]) -> dict[str, Any]:
    """Fill absent properties from the schema's `default` keywords, recursing into objects."""
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            apply_defaults(sub, instance[key])
    return instance


def _schema_error(error: jsonschema.ValidationError) -> ConfigError:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        path.append(missing[0])
        return ConfigError(f"{'.'.join(path)} is required", ".".join(path))
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path.append(extra[0])
        return ConfigError(f"{'.'.join(path)} is not a known config field", ".".join(path))
    field = ".".join(path) or None
    return ConfigError(f"{field or 'config'}: {error.message}", field)


def validate(raw: Any) -> RunConfig:
    """Schema-validate a parsed config, fill defaults, and check what the schema cannot express."""
    schema = load_schema("run-config.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(raw))
    if error is not None:
        raise _schema_error(error)
    config = RunConfig.from_json(apply_defaults(schema, copy.deepcopy(raw)))
    _check_semantics(config)
    return config


def _check_semantics(config: RunConfig) -> None:
    model = config.model
    # The registry, not a list kept here, says which archs are built: the schema may name one before it is.
    rule = registry.family_rule(model.arch)
    if rule is None:
        built = sorted({registry.arch_of(name) for name in registry.list_models()})
        raise ConfigError(f"model.arch '{model.arch}' is not built yet; use one of {', '.join(built)}", "model.arch")
    if not registry.is_known(model.name):
        reason = f"model.depth {model.depth} is not valid for '{model.arch}' ({rule})"
        raise ConfigError(f"{reason}; known models: {', '.join(registry.list_models())}", "model.depth")
    _check_data(config.data)


def check_root_name(root: str) -> None:
    """libs/contracts DataRootName's rules, which the JSON Schema cannot carry: `data.root` is a folder name under the
    worker's data folders, never a path. data/locate.py checks where the name leads once symlinks are followed."""
    if "\0" in root:
        raise ConfigError("data.root must not contain NUL bytes", "data.root")
    if "\\" in root:
        raise ConfigError("data.root must use / between folders, not backslashes", "data.root")
    if PurePosixPath(root).is_absolute():
        raise ConfigError(
            "data.root is a folder name under the worker's data folders (RESLAB_DATA_DIRS), not an absolute path",
            "data.root",
        )
    if ".." in root.split("/"):
        raise ConfigError("data.root must not contain '..': it names a folder inside a data folder", "data.root")


def _check_data(data: DataConfig) -> None:
    if data.root is not None:
        check_root_name(data.root)
    if data.dataset in NOT_BUILT_DATASETS:
        raise ConfigError(f"data.dataset '{data.dataset}' is not supported yet", "data.dataset")
    if data.dataset == "imagefolder" and not data.root:
        raise ConfigError(
            "data.root is required for imagefolder: a folder with train/ and test/ (or val/)", "data.root"
        )
    # ImageFolder-only field: on another data set it would silently do nothing.
    if data.dataset != "imagefolder" and data.on_corrupt_image != "error":
        raise ConfigError(
            f"data.onCorruptImage applies to imagefolder only, not '{data.dataset}'", "data.onCorruptImage"
        )
    if data.download and data.dataset not in ("fashion-mnist", "mnist", "cifar10", "cifar100"):
        raise ConfigError(f"data.download: '{data.dataset}' has no download source", "data.download")


def written_for(saved: dict[str, Any], config: RunConfig) -> bool:
    """Whether a checkpoint's saved config is `config`, whatever device and however many processes either ran on.
    The saved one is filled with today's defaults first: a checkpoint written before a field was added
    (diagnostics.curvatureEvery) has none of it, and means the default.

    `resources` may differ: optim.batchSize is the global batch and every rank draws the same order and crops, so
    a run stopped on 2 processes goes on, on 1 or 4, with the same batches and the same gradient (to float error
    and to plain BatchNorm's per-share statistics, which syncBatchNorm removes)."""
    filled = apply_defaults(load_schema("run-config.schema.json"), copy.deepcopy(saved))
    anywhere = {"device": None, "resources": None}
    return {**filled, **anywhere} == {**config.to_json(), **anywhere}


def load_config(path: str | os.PathLike) -> RunConfig:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    return validate(raw)
