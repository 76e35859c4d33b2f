"""Known-answer tests: precision / recall / F1 (macro, weighted, per class), the confusion matrix and top-5
accuracy equal scikit-learn's on the same predictions."""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, top_k_accuracy_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from reslab_engine.metrics import MAX_CONFUSION_CLASSES, SplitMeter, classification_report, confusion_matrix


@pytest.mark.parametrize("seed", range(5))
def test_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    num_classes = 7
    targets = rng.integers(0, num_classes, size=300)
    # Skewed predictions so some classes are never predicted: exercises zero division.
    predictions = rng.choice(num_classes, size=300, p=[0.4, 0.3, 0.2, 0.1, 0.0, 0.0, 0.0])
    report = classification_report(confusion_matrix(torch.from_numpy(targets), torch.from_numpy(predictions), 7))

    labels = list(range(num_classes))
    kwargs = {"labels": labels, "zero_division": 0}
    precision, recall, f1, support = precision_recall_fscore_support(targets, predictions, average=None, **kwargs)
    macro = precision_recall_fscore_support(targets, predictions, average="macro", **kwargs)
    assert report["accuracy"] == pytest.approx(accuracy_score(targets, predictions))
    assert report["precision"] == pytest.approx(macro[0])
    assert report["recall"] == pytest.approx(macro[1])
    assert report["f1"] == pytest.approx(macro[2])
    assert [c["precision"] for c in report["perClass"]] == pytest.approx(list(precision))
    assert [c["recall"] for c in report["perClass"]] == pytest.approx(list(recall))
    assert [c["f1"] for c in report["perClass"]] == pytest.approx(list(f1))
    assert [c["support"] for c in report["perClass"]] == list(support)


def test_class_absent_from_targets_and_predictions_scores_zero():
    report = classification_report(confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 1]), 3))
    assert report["perClass"][2] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["f1"] == pytest.approx(2 / 3)


def test_meter_accumulates_mean_loss_over_batches():
    meter = SplitMeter(3)
    meter.update(3.0, torch.tensor([[2.0, 0, 0], [0, 2.0, 0]]), torch.tensor([0, 2]))
    meter.update(1.0, torch.tensor([[0, 0, 2.0]]), torch.tensor([2]))
    summary = meter.summary()
    assert summary["loss"] == pytest.approx(4.0 / 3)
    assert summary["accuracy"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("seed", range(3))
def test_meter_matches_scikit_learn_on_random_logits(seed):
    """Over several batches: macro, weighted and per-class P/R/F1, the confusion matrix and top-5 accuracy."""
    rng = np.random.default_rng(seed)
    num_classes, batches = 10, [50, 50, 23]
    meter = SplitMeter(num_classes)
    all_logits, all_targets = [], []
    for size in batches:
        # Skewed logits: classes 7-9 are almost never the argmax, which exercises zero division.
        logits = rng.normal(size=(size, num_classes)) - np.linspace(0, 3, num_classes)
        targets = rng.integers(0, num_classes, size=size)
        meter.update(1.0, torch.from_numpy(logits), torch.from_numpy(targets))
        all_logits.append(logits), all_targets.append(targets)
    logits, targets = np.concatenate(all_logits), np.concatenate(all_targets)
    predictions = logits.argmax(axis=1)
    summary = meter.summary()

    labels = list(range(num_classes))
    kwargs = {"labels": labels, "zero_division": 0}
    per_class = precision_recall_fscore_support(targets, predictions, average=None, **kwargs)
    macro = precision_recall_fscore_support(targets, predictions, average="macro", **kwargs)
    weighted = precision_recall_fscore_support(targets, predictions, average="weighted", **kwargs)
    assert summary["loss"] == pytest.approx(len(batches) / sum(batches))
    assert summary["accuracy"] == pytest.approx(accuracy_score(targets, predictions))
    assert [summary["precision"], summary["recall"], summary["f1"]] == pytest.approx(list(macro[:3]))
    assert [summary["weighted"][key] for key in ("precision", "recall", "f1")] == pytest.approx(list(weighted[:3]))
    for key, expected in zip(("precision", "recall", "f1", "support"), per_class, strict=True):
        assert [c[key] for c in summary["perClass"]] == pytest.approx(list(expected))
    assert summary["confusion"] == sk_confusion_matrix(targets, predictions, labels=labels).tolist()
    assert summary["top5"] == pytest.approx(top_k_accuracy_score(targets, logits, k=5, labels=labels))


def test_top5_only_with_more_than_five_classes():
    meter = SplitMeter(5)
    meter.update(1.0, torch.eye(5), torch.arange(5))
    assert "top5" not in meter.summary()
    assert meter.summary()["confusion"] == torch.eye(5, dtype=torch.long).tolist()


def test_confusion_matrix_left_out_past_the_cap():
    meter = SplitMeter(MAX_CONFUSION_CLASSES + 1)
    meter.update(1.0, torch.randn(4, MAX_CONFUSION_CLASSES + 1), torch.arange(4))
    assert "confusion" not in meter.summary() and "top5" in meter.summary()


def test_meter_state_round_trip_keeps_top5():
    meter = SplitMeter(6)
    meter.update(2.0, torch.tensor([[0.0, 1, 2, 3, 4, 5], [5.0, 4, 3, 2, 1, 0]]), torch.tensor([0, 0]))
    restored = SplitMeter(6)
    restored.load_state_dict(meter.state_dict())
    assert restored.summary() == meter.summary()
    assert restored.summary()["top5"] == 0.5  # the first example's label has the lowest logit
