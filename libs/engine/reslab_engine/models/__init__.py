"""Model zoo. Importing this package registers every builder in `registry`."""

from . import cifar_resnet  # noqa: F401  (registers resnet{d} and plain{d})
from .registry import create_model, is_known, list_models

__all__ = ["create_model", "is_known", "list_models"]
