"""ImageFolder loader on a tiny folder of PNGs written here, plus one corrupt file."""

import logging

import numpy as np
import pytest
from PIL import Image

from reslab_engine.config import DataConfig
from reslab_engine.data import load_dataset
from reslab_engine.errors import DataError

CLASSES = ["cat", "ant", "bee"]  # sorted: ant 0, bee 1, cat 2
PER_CLASS = 6


def write_folder(root, mode: str = "RGB", corrupt: bool = False):
    """root/train/<class>/ and root/test/<class>/ with PER_CLASS images each; each class has its own colour."""
    for split in ("train", "test"):
        for index, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(PER_CLASS):
                colour = (40 * index + i, 100, 200) if mode == "RGB" else 40 * index + i
                Image.new(mode, (20 + i, 12), colour).save(folder / f"{i}.png")
    (root / "train" / "cat" / "notes.txt").write_text("not an image, ignored")
    if corrupt:
        (root / "train" / "bee" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)


@pytest.fixture
def pets(data_dir):
    """The folder `data.root: pets` names: empty, under the only data folder."""
    return data_dir / "pets"


def config(**extra) -> DataConfig:
    return DataConfig(**{"dataset": "imagefolder", "root": "pets", "val_size": 3, **extra})


def test_reads_classes_in_sorted_order_as_uint8(pets):
    write_folder(pets)
    data = load_dataset(config(image_size=16))
    assert data.num_classes == 3 and data.in_channels == 3 and data.skipped_images == 0
    assert (
        data.train.images.shape == (3 * PER_CLASS - 3, 3, 16, 16) and data.train.images.dtype.is_floating_point is False
    )
    assert len(data.val) == 3 and len(data.test) == 3 * PER_CLASS
    everything = [data.train, data.val]
    images = np.concatenate([s.images.numpy() for s in everything])
    labels = np.concatenate([s.labels.numpy() for s in everything])
    # Class index = position of the folder name in sorted order; the red channel encodes the class here.
    for image, label in zip(images, labels, strict=True):
        assert image[0].min() // 40 == CLASSES.index(sorted(CLASSES)[label])
    assert sorted(np.bincount(labels).tolist()) == [PER_CLASS] * 3


def test_validation_split_mixes_classes(pets):
    write_folder(pets)
    data = load_dataset(config(val_size=9))
    assert len(set(data.val.labels.tolist())) > 1  # not just the last class folder


def test_grayscale_folder_gives_one_channel_and_default_size(pets):
    write_folder(pets, mode="L")
    data = load_dataset(config())
    assert data.in_channels == 1 and data.train.images.shape[-2:] == (32, 32)


def test_val_folder_is_the_test_split_when_there_is_no_test(pets):
    write_folder(pets)
    (pets / "test").rename(pets / "val")
    assert len(load_dataset(config()).test) == 3 * PER_CLASS


def test_corrupt_image_is_an_error_naming_the_file(pets):
    write_folder(pets, corrupt=True)
    with pytest.raises(DataError, match="broken.png") as caught:
        load_dataset(config())
    assert caught.value.field == "data.onCorruptImage"


def test_corrupt_image_is_skipped_and_counted(pets, caplog):
    write_folder(pets, corrupt=True)
    with caplog.at_level(logging.WARNING):
        data = load_dataset(config(on_corrupt_image="skip"))
    assert data.skipped_images == 1 and data.to("cpu").skipped_images == 1
    assert len(data.train) + len(data.val) == 3 * PER_CLASS
    assert "broken.png" in caplog.text and "skipped 1 unreadable image" in caplog.text


def test_missing_layout_names_the_folders(pets):
    (pets / "train" / "a").mkdir(parents=True)
    with pytest.raises(DataError, match="imagefolder needs .*train and .*test") as caught:
        load_dataset(config())
    assert caught.value.field == "data.root"


def test_unknown_test_class_is_refused(pets):
    write_folder(pets)
    (pets / "test" / "dog").mkdir()
    with pytest.raises(DataError, match="class 'dog' has no folder in train/"):
        load_dataset(config())


def test_engine_reports_skipped_images_in_run_started(tmp_path, pets, event_validator):
    from conftest import run_engine

    write_folder(pets, corrupt=True)
    run = run_engine(
        {
            "model": {"arch": "resnet", "depth": 8, "width": 4},
            "data": {
                "dataset": "imagefolder",
                "root": "pets",
                "valSize": 3,
                "imageSize": 16,
                "onCorruptImage": "skip",
            },
            "optim": {"batchSize": 8},
            "epochs": 1,
            "diagnostics": {"gradFlowBatches": 0},
        },
        tmp_path / "run",
    )
    assert run.returncode == 0, run.stderr
    [started] = run.of_type("run_started")
    event_validator.validate(started)
    assert started["skippedImages"] == 1
