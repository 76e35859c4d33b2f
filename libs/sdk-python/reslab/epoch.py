"""One epoch of one split, measured from labels with the engine's own metrics code (reslab_engine.metrics), so a
script's precision, recall and F1 are computed exactly as a ResLab-trained run's are (docs/course.md §5), into the
ExternalEpoch shape (libs/contracts external-runs.ts) that is stored as an EpochMetric row."""

import math
import numbers

import numpy as np
import torch
from reslab_engine.metrics import (
    MAX_CONFUSION_CLASSES,
    TOP_K,
    classification_report,
    confusion_matrix,
    top_k_correct,
)

SPLITS = ("train", "val", "test")


def _tensor(name: str, values) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu()
    try:
        return torch.as_tensor(np.asarray(values))
    except (TypeError, ValueError) as error:
        raise ValueError(f"log_epoch: {name}: expected a tensor, an array or a list of labels ({error})") from None


def _labels(name: str, values: torch.Tensor) -> torch.Tensor:
    if values.dtype.is_floating_point or values.dtype.is_complex or values.dtype == torch.bool:
        raise ValueError(f"log_epoch: {name}: expected integer class labels, got {values.dtype}")
    return values.long()


def _number(name: str, value, *, minimum: float = 0.0) -> float:
    if isinstance(value, torch.Tensor | np.ndarray | np.generic):
        value = value.item()
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ValueError(f"log_epoch: {name}: expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < minimum:
        raise ValueError(f"log_epoch: {name}: expected a finite number >= {minimum:g}, got {value}")
    return value


def measure_epoch(
    *,
    split: str,
    loss,
    y_true,
    y_pred,
    epoch: int,
    lr=None,
    seconds=None,
    num_classes: int | None = None,
) -> dict:
    """`y_pred` holds predicted labels (N), or scores per class (N x C: logits or probabilities), from which the
    prediction is the argmax and top-5 accuracy is measured too, as the engine does with more than 5 classes."""
    if split not in SPLITS:
        raise ValueError(f"log_epoch: split: expected one of {', '.join(SPLITS)}, got {split!r}")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch <= 2**31 - 1:
        raise ValueError(f"log_epoch: epoch: expected a whole number >= 1 (epochs count from 1), got {epoch!r}")
    targets = _labels("y_true", _tensor("y_true", y_true))
    predicted = _tensor("y_pred", y_pred)
    scores = None
    if predicted.dim() == 2:
        scores = predicted.float()
        predicted = scores.argmax(dim=1)
    predicted = _labels("y_pred", predicted)
    if targets.dim() != 1 or predicted.dim() != 1:
        raise ValueError(
            f"log_epoch: y_true must be N labels and y_pred N labels or N x C scores; got {tuple(targets.shape)} "
            f"and {tuple(_tensor('y_pred', y_pred).shape)}"
        )
    if len(targets) != len(predicted):
        raise ValueError(f"log_epoch: y_true has {len(targets)} labels but y_pred {len(predicted)}")
    if len(targets) == 0:
        raise ValueError("log_epoch: y_true: no labels; an epoch needs at least one example")
    if num_classes is None:
        num_classes = scores.shape[1] if scores is not None else int(max(targets.max(), predicted.max())) + 1
    if scores is not None and scores.shape[1] != num_classes:
        raise ValueError(f"log_epoch: y_pred has scores for {scores.shape[1]} classes, num_classes is {num_classes}")
    for name, labels in (("y_true", targets), ("y_pred", predicted)):
        if int(labels.min()) < 0 or int(labels.max()) >= num_classes:
            raise ValueError(
                f"log_epoch: {name}: labels must lie in 0..{num_classes - 1} (num_classes {num_classes}), "
                f"got {int(labels.min())}..{int(labels.max())}"
            )

    matrix = confusion_matrix(targets, predicted, num_classes)
    entry = {
        "epoch": epoch,
        "split": split,
        "loss": _number("loss", loss),
        **classification_report(matrix),
        "lr": _number("lr", lr) if lr is not None else 0.0,
        "seconds": _number("seconds", seconds) if seconds is not None else 0.0,
    }
    if scores is not None and num_classes > TOP_K:
        entry["top5"] = top_k_correct(scores, targets) / len(targets)
    if num_classes <= MAX_CONFUSION_CLASSES:
        entry["confusion"] = matrix.tolist()
    return entry
