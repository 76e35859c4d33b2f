"""Model zoo. Importing this package registers every builder in `registry`."""

from . import cifar_resnet, imagenet_resnet, preact_resnet  # noqa: F401  (each registers its families)
from .registry import count_flops, count_params, create_model, is_known, list_models, model_info

__all__ = ["count_flops", "count_params", "create_model", "is_known", "list_models", "model_info"]
