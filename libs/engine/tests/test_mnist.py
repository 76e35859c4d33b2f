"""The MNIST / Fashion-MNIST loader on a release written here in the real IDX format: four files, raw or gzip."""

import gzip

import numpy as np
import pytest
import torch
from test_idx import idx_bytes

from reslab_engine.data.mnist import IDX_FILES, load_mnist
from reslab_engine.errors import DataError


def write_release(folder, train: int = 12, test: int = 5, compress: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(test)[::-1] % 10).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name in IDX_FILES:
        blob = idx_bytes(arrays[name])
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(blob))
        else:
            (folder / name).write_bytes(blob)
    return arrays


@pytest.mark.parametrize("compress", [False, True])
def test_loads_the_four_files_as_one_channel_uint8(data_dir, compress):
    arrays = write_release(data_dir / "fashion", compress=compress)
    train, test, class_names = load_mnist("fashion-mnist", "fashion", allow_download=False)
    assert len(class_names) == 10
    assert train.images.shape == (12, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (5, 1, 28, 28) and test.labels.dtype == torch.int64
    np.testing.assert_array_equal(train.images[:, 0].numpy(), arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(test.labels.numpy(), arrays["t10k-labels-idx1-ubyte"])


def test_images_and_labels_of_different_counts_name_both_files(data_dir):
    folder = data_dir / "mnist-broken"
    write_release(folder)
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(11, np.uint8)))
    with pytest.raises(DataError, match="train-images-idx3-ubyte and .*train-labels-idx1-ubyte do not match"):
        load_mnist("mnist", "mnist-broken", allow_download=False)


def test_a_missing_file_without_download_names_the_files_and_the_field(data_dir):
    folder = data_dir / "partial"
    write_release(folder)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="mnist files .*t10k-labels-idx1-ubyte.* not found") as caught:
        load_mnist("mnist", "partial", allow_download=False)
    assert caught.value.field == "data.root"
