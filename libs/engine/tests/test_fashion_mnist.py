"""Smoke test on the real Fashion-MNIST. Required wherever the tests run: no variable turns it off."""

import os
from pathlib import Path

import pytest
from conftest import run_engine

from reslab_engine.config import DataConfig
from reslab_engine.data import load_dataset
from reslab_engine.data.locate import SYSTEM_DIRS

FASHION_DIR = Path(os.environ.get("RESLAB_DATA_DIR", "/nonexistent")) / "fashion-mnist"
if not FASHION_DIR.is_dir():
    FASHION_DIR = Path(SYSTEM_DIRS["fashion-mnist"])


@pytest.fixture(scope="module")
def fashion_dir() -> Path:
    if not FASHION_DIR.is_dir():
        pytest.fail(
            f"Fashion-MNIST is not installed (looked in {FASHION_DIR}): run"
            " 'sudo apt-get install dataset-fashion-mnist', or put its four IDX files in $RESLAB_DATA_DIR/fashion-mnist"
        )
    return FASHION_DIR


@pytest.fixture
def fashion_root(fashion_dir, monkeypatch) -> str:
    """`data.root` for it: the folder's name, with the folder above it as the only data folder (RESLAB_DATA_DIRS)."""
    monkeypatch.setenv("RESLAB_DATA_DIRS", str(fashion_dir.parent))
    return fashion_dir.name


def test_loads_the_full_data_set(fashion_root):
    data = load_dataset(DataConfig(dataset="fashion-mnist", root=fashion_root, val_size=5000))
    assert data.train.images.shape == (55000, 1, 28, 28) and len(data.val) == 5000 and len(data.test) == 10000
    assert data.train.images.dtype.is_floating_point is False
    assert data.train.labels.unique().tolist() == list(range(10))
    assert 60 < float(data.mean) < 80  # Fashion-MNIST's pixel mean is about 72.9


def test_short_training_run_learns(fashion_root, tmp_path):
    config = {
        "model": {"arch": "resnet", "depth": 8, "width": 8},
        "data": {
            "dataset": "fashion-mnist",
            "root": fashion_root,
            "trainSubset": 2000,
            "valSize": 200,
            "testSubset": 1000,
        },
        # Cosine annealing settles the weights by the end, so the test accuracy is not one noisy snapshot.
        "optim": {"batchSize": 32, "schedule": "cosine"},
        "epochs": 2,
    }
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 0, run.stderr
    assert run.of_type("epoch_metric")[-1]["accuracy"] > 0.5  # about 0.7 measured; chance is 0.1
