"""Config validation: schema violations and semantic errors name the field, exit 2, and print no traceback."""

import copy

import pytest
from conftest import TINY_CONFIG, run_engine

from reslab_engine.config import apply_defaults, load_schema, validate, written_for
from reslab_engine.errors import ConfigError


def with_changes(**sections) -> dict:
    config = copy.deepcopy(TINY_CONFIG)
    for key, value in sections.items():
        if isinstance(value, dict):
            config[key].update(value)
        else:
            config[key] = value
    return config


def test_defaults_come_from_the_schema():
    config = validate({"model": {"arch": "resnet", "depth": 20}, "data": {"dataset": "synthetic"}, "epochs": 1})
    assert config.optim.lr == 0.1 and config.optim.momentum == 0.9 and config.optim.batch_size == 128
    assert config.data.val_size == 5000 and config.model.shortcut == "A"
    assert config.seed == 0 and config.device == "auto" and config.version == 1
    assert config.model.name == "resnet20"


def test_partial_section_is_completed():
    filled = apply_defaults(load_schema("run-config.schema.json"), {"optim": {"lr": 0.05}})
    assert filled["optim"] == {**filled["optim"], "lr": 0.05, "momentum": 0.9, "schedule": "constant"}


def test_config_round_trips_to_json():
    config = validate(with_changes(optim={"labelSmoothing": 0.1}))
    assert validate(config.to_json()) == config
    assert config.to_json()["optim"]["labelSmoothing"] == 0.1


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (with_changes(model={"depth": 21}), "model.depth"),
        (with_changes(model={"depth": 19}), "model.depth"),
        (with_changes(model={"arch": "preact_resnet", "depth": 27}), "model.depth"),
        (with_changes(model={"arch": "vgg"}), "model.arch"),
        (with_changes(data={"dataset": "imagenet"}), "data.dataset"),
        (with_changes(data={"dataset": "imagefolder"}), "data.root"),
        (with_changes(optim={"lr": -1}), "optim.lr"),
        (with_changes(optim={"batchsize": 64}), "optim.batchsize"),
        ({"model": {"arch": "resnet", "depth": 20}, "data": {"dataset": "synthetic"}}, "epochs"),
        ({"model": {"arch": "resnet"}, "data": {"dataset": "synthetic"}, "epochs": 1}, "model.depth"),
    ],
)
def test_invalid_config_names_the_field(config, field):
    with pytest.raises(ConfigError) as caught:
        validate(config)
    assert caught.value.field == field
    assert "\n" not in caught.value.message


def test_unknown_depth_lists_valid_models():
    with pytest.raises(ConfigError, match="6n\\+2.*resnet56"):
        validate(with_changes(model={"depth": 21}))


def assert_config_error(run, field: str):
    assert run.returncode == 2
    assert [e["type"] for e in run.events] == ["error"]
    assert run.events[0]["code"] == "config" and run.events[0]["field"] == field
    assert "Traceback" not in run.stderr


def test_cli_depth_21_exits_2(tmp_path):
    assert_config_error(run_engine(with_changes(model={"depth": 21}), tmp_path / "run"), "model.depth")


def test_cli_unknown_dataset_exits_2(tmp_path):
    run = run_engine(with_changes(data={"dataset": "imagenet"}), tmp_path / "run")
    assert_config_error(run, "data.dataset")


def test_cli_missing_field_exits_2(tmp_path):
    config = copy.deepcopy(TINY_CONFIG)
    del config["epochs"]
    assert_config_error(run_engine(config, tmp_path / "run"), "epochs")


def test_cli_val_size_too_large_exits_2(tmp_path):
    run = run_engine(with_changes(data={"valSize": 2000}), tmp_path / "run")
    assert_config_error(run, "data.valSize")


def test_cli_missing_data_files_names_directories(tmp_path, data_dir):
    run = run_engine(with_changes(data={"dataset": "mnist", "root": "nowhere"}), tmp_path / "run")
    assert run.returncode == 1
    assert run.events[0]["code"] == "data" and str(data_dir / "nowhere") in run.events[0]["message"]
    assert "Traceback" not in run.stderr


def test_num_classes_that_disagrees_with_the_data_is_a_config_error(tmp_path):
    # Synthetic data has 10 classes; the check needs the data, so it happens in the engine, not in validate().
    assert_config_error(run_engine(with_changes(model={"numClasses": 100}), tmp_path / "run"), "model.numClasses")


def test_a_checkpoint_saved_before_a_field_existed_belongs_to_the_same_run():
    """A checkpoint's config is compared with the run's after filling today's defaults: one written before
    diagnostics.curvatureEvery existed means its default (off), and resumes and analyses as before."""
    config = validate(TINY_CONFIG)
    saved = config.to_json()
    for field in ("curvatureEvery", "curvatureImages"):
        del saved["diagnostics"][field]
    assert written_for(saved, config)
    assert written_for({**saved, "device": "cuda"}, config), "the device a checkpoint ran on does not matter"
    saved["diagnostics"]["curvatureEvery"] = 2
    assert not written_for(saved, config)
    assert not written_for({**config.to_json(), "seed": config.seed + 1}, config)
