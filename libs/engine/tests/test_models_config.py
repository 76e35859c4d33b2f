"""Model part of config validation: every built arch is accepted, a bad depth names model.depth and the valid
names, and a numClasses that disagrees with the data set is a config error (exit 2)."""

import copy

import pytest
from conftest import TINY_CONFIG, run_engine

from reslab_engine.config import validate
from reslab_engine.errors import ConfigError


def model_config(**model) -> dict:
    config = copy.deepcopy(TINY_CONFIG)
    config["model"] = model
    return config


@pytest.mark.parametrize(
    ("arch", "depth"),
    [("resnet", 20), ("resnet", 18), ("resnet", 50), ("plain", 152), ("preact_resnet", 110), ("preact_resnet", 164)]
    + [("preact_resnet", 18)],
)
def test_built_archs_and_depths_are_accepted(arch, depth):
    assert validate(model_config(arch=arch, depth=depth)).model.name == f"{arch}{depth}"


@pytest.mark.parametrize(
    ("arch", "depth", "rule"),
    [("resnet", 21, "6n\\+2.*18, 34, 50"), ("plain", 19, "6n\\+2"), ("preact_resnet", 165, "9n\\+2")],
)
def test_invalid_depth_names_model_depth_and_the_valid_names(arch, depth, rule):
    with pytest.raises(ConfigError, match=f"{rule}.*known models:.*resnet18.*preact_resnet1001") as caught:
        validate(model_config(arch=arch, depth=depth))
    assert caught.value.field == "model.depth"


def test_num_classes_must_match_the_data(tmp_path):
    config = copy.deepcopy(TINY_CONFIG)
    config["model"]["numClasses"] = 7  # the synthetic data set has 10 classes
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 2
    errors = run.of_type("error")
    assert len(errors) == 1 and errors[0]["code"] == "config" and errors[0]["field"] == "model.numClasses"
    assert "Traceback" not in run.stderr
