"""Loss, accuracy, top-5 and per-class precision / recall / F1 from a confusion matrix.

Per class (the accuracy paradox is why these exist): precision TP/(TP+FP), recall TP/(TP+FN), F1 their
harmonic mean. A zero denominator gives 0, as scikit-learn's zero_division=0. Macro = unweighted class mean;
weighted = mean weighted by support, so weighted F1 averages the per-class F1s (it is not the harmonic mean of
weighted precision and recall), as scikit-learn's average="weighted".
"""

from typing import Any

import torch

TOP_K = 5
# The confusion matrix rides in every epoch_metric event; past 100 classes (CIFAR-100: 10k counts) it would
# dwarf the rest of the stream, and nobody reads a 1000 x 1000 table off a chart.
MAX_CONFUSION_CLASSES = 100


def confusion_matrix(targets: torch.Tensor, predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Rows are true classes, columns predicted classes (scikit-learn's convention)."""
    flat = targets.long() * num_classes + predictions.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _safe_divide(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    return torch.where(denominator > 0, numerator / denominator.clamp_min(1e-300), torch.zeros_like(numerator))


def classification_report(matrix: torch.Tensor) -> dict[str, Any]:
    matrix = matrix.double().cpu()
    tp = matrix.diag()
    support = matrix.sum(dim=1)
    predicted = matrix.sum(dim=0)
    precision = _safe_divide(tp, predicted)
    recall = _safe_divide(tp, support)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    total = matrix.sum()
    weights = support / total if total > 0 else torch.zeros_like(support)
    return {
        "accuracy": float(tp.sum() / total) if total > 0 else 0.0,
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "f1": float(f1.mean()),
        "perClass": [
            {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for p, r, f, s in zip(precision, recall, f1, support, strict=True)
        ],
        "weighted": {
            "precision": float((weights * precision).sum()),
            "recall": float((weights * recall).sum()),
            "f1": float((weights * f1).sum()),
        },
    }


def top_k_correct(logits: torch.Tensor, targets: torch.Tensor, k: int = TOP_K) -> int:
    """Examples whose label is among the k highest logits (scikit-learn's top_k_accuracy_score, unnormalised)."""
    top = logits.topk(k, dim=1).indices
    return int((top == targets[:, None]).any(dim=1).sum())


class SplitMeter:
    """Accumulates summed cross-entropy, top-5 hits and the confusion matrix over the batches of one split."""

    def __init__(self, num_classes: int):
        self.num_classes = num_classes
        self.loss_sum = 0.0
        self.count = 0
        self.top5_correct = 0
        self.matrix = torch.zeros(num_classes, num_classes, dtype=torch.long)

    @property
    def has_top5(self) -> bool:
        return self.num_classes > TOP_K  # with 5 classes or fewer, top-5 accuracy is trivially 1

    def update(self, loss_sum: float, logits: torch.Tensor, targets: torch.Tensor) -> None:
        self.loss_sum += loss_sum
        self.count += len(targets)
        self.matrix += confusion_matrix(targets, logits.argmax(dim=1), self.num_classes).cpu()
        if self.has_top5:
            self.top5_correct += top_k_correct(logits, targets)

    def summary(self) -> dict[str, Any]:
        summary = {"loss": self.loss_sum / max(self.count, 1), **classification_report(self.matrix)}
        if self.has_top5:
            summary["top5"] = self.top5_correct / max(self.count, 1)
        if self.num_classes <= MAX_CONFUSION_CLASSES:
            summary["confusion"] = self.matrix.tolist()
        return summary

    def state_dict(self) -> dict[str, Any]:
        return {
            "loss_sum": self.loss_sum,
            "count": self.count,
            "top5": self.top5_correct,
            "matrix": self.matrix.clone(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.loss_sum, self.count, self.matrix = state["loss_sum"], state["count"], state["matrix"].clone()
        self.top5_correct = state["top5"]
