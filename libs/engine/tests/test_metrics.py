"""Known-answer test: precision / recall / F1 equal scikit-learn's on the same predictions."""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from reslab_engine.metrics import SplitMeter, classification_report, confusion_matrix


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
