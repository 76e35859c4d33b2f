"""Class names: each loader names class i as its data set does, and run_started carries them (issue 12)."""

import numpy as np
import pytest
from conftest import run_engine
from test_data_cifar import write_cifar10, write_cifar100, write_pickle
from test_data_imagefolder import write_folder
from test_mnist import write_release

from reslab_engine.config import DataConfig
from reslab_engine.data import load_dataset, locate
from reslab_engine.errors import DataError

# zalandoresearch/fashion-mnist README, table "Labels", typed here again rather than imported from the loader.
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.setenv(locate.DATA_ENV, str(tmp_path / "env"))


def test_fashion_mnist_run_started_names_the_ten_classes(data_dir, tmp_path, event_validator):
    write_release(data_dir / "fashion", train=40, test=10)
    config = {
        "model": {"arch": "resnet", "depth": 8, "width": 4},
        "data": {"dataset": "fashion-mnist", "root": "fashion", "valSize": 10},
        "optim": {"batchSize": 16},
        "epochs": 1,
    }
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 0, run.stderr
    started = run.of_type("run_started")[0]
    assert started["classNames"] == FASHION and started["numClasses"] == 10
    assert not list(event_validator.iter_errors(started))


def test_synthetic_data_has_no_names_so_run_started_omits_them(tiny_run):
    assert "classNames" not in tiny_run.of_type("run_started")[0]


def test_mnist_classes_are_its_digits(data_dir):
    write_release(data_dir / "digits")
    data = load_dataset(DataConfig(dataset="mnist", root="digits", val_size=2))
    assert data.class_names == [str(digit) for digit in range(10)]


def test_cifar10_names_come_from_batches_meta(data_dir, no_env):
    write_cifar10(data_dir / "cifar" / "cifar-10-batches-py", np.random.default_rng(0))
    data = load_dataset(DataConfig(dataset="cifar10", root="cifar", val_size=50))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    assert data.class_names == names


def test_cifar100_names_are_the_fine_label_names_of_meta(data_dir, no_env):
    write_cifar100(data_dir / "cifar-100-python", np.random.default_rng(1))
    data = load_dataset(DataConfig(dataset="cifar100", root="cifar-100-python", val_size=10))
    assert data.class_names == [f"c{i}" for i in range(100)]  # not the 20 coarse names


def test_cifar_meta_repickled_by_python3_holds_str_names(data_dir, no_env):
    folder = data_dir / "cifar" / "cifar-10-batches-py"
    write_cifar10(folder, np.random.default_rng(2))
    names = [f"class {i}" for i in range(10)]
    write_pickle(folder / "batches.meta", {b"label_names": names})
    assert load_dataset(DataConfig(dataset="cifar10", root="cifar", val_size=50)).class_names == names


def test_cifar_meta_with_a_name_that_is_not_a_string_is_refused(data_dir, no_env):
    folder = data_dir / "cifar" / "cifar-10-batches-py"
    write_cifar10(folder, np.random.default_rng(3))
    write_pickle(folder / "batches.meta", {b"label_names": [b"cat", 7]})
    with pytest.raises(DataError, match="label_names"):
        load_dataset(DataConfig(dataset="cifar10", root="cifar", val_size=50))


def test_imagefolder_names_are_its_sorted_class_folders(data_dir):
    write_folder(data_dir / "pets")
    data = load_dataset(DataConfig(dataset="imagefolder", root="pets", val_size=3))
    assert data.class_names == ["ant", "bee", "cat"]
