"""Two cost levers of the degradation recipe: `data.imageSize` for every data set, and `model.bnMomentum`."""

import numpy as np
import pytest
import torch
from conftest import TINY_CONFIG
from PIL import Image

from reslab_engine.config import validate
from reslab_engine.data import load_dataset, resize
from reslab_engine.data.splits import ImageSet
from reslab_engine.errors import ConfigError
from reslab_engine.models import create_model


def test_resize_equals_pils_bilinear_filter():
    images = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    small = resize(ImageSet(images, torch.arange(5)), 14)
    assert small.images.dtype == torch.uint8 and small.images.shape == (5, 1, 14, 14)
    for image, resized in zip(images, small.images, strict=True):
        reference = Image.fromarray(image[0].numpy()).resize((14, 14), Image.Resampling.BILINEAR)
        difference = resized[0].int() - torch.tensor(np.asarray(reference)).int()
        assert difference.abs().max() <= 1  # both round to uint8, in their own float arithmetic
    assert torch.equal(small.labels, torch.arange(5))


def test_the_native_size_is_left_untouched():
    images = ImageSet(torch.zeros(2, 1, 28, 28, dtype=torch.uint8), torch.zeros(2, dtype=torch.long))
    assert resize(images, 28) is images


def test_image_size_applies_to_every_split_of_a_tensor_data_set():
    config = validate({**TINY_CONFIG, "data": {"dataset": "synthetic", "valSize": 200, "imageSize": 14}})
    data = load_dataset(config.data)
    for part in (data.train, data.val, data.test):
        assert part.images.shape[1:] == (1, 14, 14)
    assert len(data.train) == 1800 and len(data.val) == 200


def test_image_size_below_the_contract_minimum_names_the_field():
    with pytest.raises(ConfigError) as caught:
        validate({**TINY_CONFIG, "data": {"dataset": "synthetic", "imageSize": 4}})
    assert caught.value.field == "data.imageSize"


@pytest.mark.parametrize("name", ["resnet20", "plain20", "preact_resnet20", "resnet18"])
def test_bn_momentum_reaches_every_batchnorm(name):
    model = create_model(name, in_channels=1, num_classes=10, bn_momentum=0.01)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert norms and all(m.momentum == 0.01 for m in norms)
    default = create_model(name, in_channels=1, num_classes=10)
    assert all(m.momentum == 0.1 for m in default.modules() if isinstance(m, torch.nn.BatchNorm2d))


def test_bn_momentum_out_of_range_names_the_field():
    with pytest.raises(ConfigError) as caught:
        validate({**TINY_CONFIG, "model": {"arch": "resnet", "depth": 8, "bnMomentum": 1.5}})
    assert caught.value.field == "model.bnMomentum"
