"""log_epoch measures with the engine's own code: equal to reslab_engine.metrics and to scikit-learn."""

import numpy as np
import pytest
import torch
from reslab_engine.metrics import classification_report, confusion_matrix, top_k_correct
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support

import reslab

rng = np.random.default_rng(0)
LABELS = rng.integers(0, 7, size=300)
SCORES = rng.normal(size=(300, 7)) + np.eye(7)[LABELS] * 1.5
PREDICTIONS = SCORES.argmax(axis=1)


def test_equal_to_the_engine_and_to_scikit_learn(orchestrator):
    run = reslab.init()
    logged = run.log_epoch(split="val", loss=0.7, y_true=LABELS, y_pred=PREDICTIONS, lr=0.05, seconds=2.0)
    report = classification_report(confusion_matrix(torch.as_tensor(LABELS), torch.as_tensor(PREDICTIONS), 7))
    assert {k: logged[k] for k in report} == report
    precision, recall, f1, support = precision_recall_fscore_support(LABELS, PREDICTIONS, zero_division=0)
    assert [c["precision"] for c in logged["perClass"]] == pytest.approx(precision)
    assert [c["recall"] for c in logged["perClass"]] == pytest.approx(recall)
    assert [c["f1"] for c in logged["perClass"]] == pytest.approx(f1)
    assert [c["support"] for c in logged["perClass"]] == list(support)
    assert logged["confusion"] == sk_confusion(LABELS, PREDICTIONS).tolist()
    assert (logged["epoch"], logged["split"], logged["lr"], logged["seconds"], logged["loss"]) == (
        1,
        "val",
        0.05,
        2.0,
        0.7,
    )
    assert "top5" not in logged  # labels alone cannot say it
    assert run.finish(timeout=10)
    assert orchestrator.runs[run.id]["epochs"] == [logged]


def test_tensors_arrays_and_lists_give_the_same_and_scores_add_top5(orchestrator):
    run = reslab.init()
    from_list = run.log_epoch("test", 1.0, LABELS.tolist(), PREDICTIONS.tolist(), epoch=1)
    from_tensor = run.log_epoch(
        "test", torch.tensor(1.0), torch.as_tensor(LABELS), torch.as_tensor(PREDICTIONS), epoch=1
    )
    from_scores = run.log_epoch("test", 1.0, LABELS, torch.as_tensor(SCORES), epoch=1)
    assert from_list == from_tensor
    top5 = from_scores.pop("top5")
    assert from_scores == from_list
    assert top5 == top_k_correct(torch.as_tensor(SCORES).float(), torch.as_tensor(LABELS)) / 300
    assert run.finish(timeout=10)


def test_epochs_count_from_one_per_split_and_class_names_set_the_class_count(orchestrator):
    run = reslab.init(class_names=["a", "b", "c", "d"])
    assert [run.log_epoch("train", 1.0, [0, 1], [0, 1])["epoch"] for _ in range(3)] == [1, 2, 3]
    assert run.log_epoch("val", 1.0, [0, 1], [0, 1])["epoch"] == 1
    assert len(run.log_epoch("val", 1.0, [0, 1], [0, 1])["perClass"]) == 4  # classes 2 and 3 unseen, still listed
    assert run.finish(timeout=10)
    assert orchestrator.runs[run.id]["create"]["classNames"] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"split": "dev"}, "split: expected one of train, val, test"),
        ({"y_pred": [0, 9]}, r"y_pred: labels must lie in 0..3"),
        ({"y_true": [0.0, 1.0]}, "y_true: expected integer class labels"),
        ({"y_true": [0]}, "y_true has 1 labels but y_pred 2"),
        ({"loss": float("nan")}, "loss: expected a finite number >= 0"),
        ({"epoch": 0}, "epoch: expected a whole number >= 1"),
    ],
)
def test_bad_arguments_are_named(orchestrator, arguments, message):
    run = reslab.init(class_names=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=message):
        run.log_epoch(**{"split": "test", "loss": 1.0, "y_true": [0, 1], "y_pred": [0, 1], **arguments})
    assert run.finish(timeout=10)
