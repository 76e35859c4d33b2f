"""Data-related config checks: what the schema cannot say about data sets."""

import pytest
from conftest import TINY_CONFIG

from reslab_engine.config import validate
from reslab_engine.errors import ConfigError


def with_data(**data) -> dict:
    return {**TINY_CONFIG, "data": data}


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "fashion-mnist", "mnist", "synthetic"])
def test_built_data_sets_validate(dataset):
    assert validate(with_data(dataset=dataset)).data.dataset == dataset


def test_imagefolder_validates_with_a_root():
    config = validate(with_data(dataset="imagefolder", root="pets", imageSize=64, onCorruptImage="skip"))
    assert config.data.image_size == 64 and config.data.on_corrupt_image == "skip"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"dataset": "imagefolder"}, "data.root"),
        ({"dataset": "mnist", "onCorruptImage": "skip"}, "data.onCorruptImage"),
        ({"dataset": "synthetic", "download": True}, "data.download"),
        ({"dataset": "imagefolder", "root": "x", "download": True}, "data.download"),
    ],
)
def test_data_semantic_errors_name_the_field(data, field):
    with pytest.raises(ConfigError) as caught:
        validate(with_data(**data))
    assert caught.value.field == field
