"""`data.root` is a name under the worker's data folders (RESLAB_DATA_DIRS), checked again here after the
orchestrator's check at submit: on real folders and real symlinks, and through the engine's command line."""

import pytest
from conftest import TINY_CONFIG, run_engine
from test_data_imagefolder import write_folder

from reslab_engine.config import DataConfig, validate
from reslab_engine.data import load_dataset, locate
from reslab_engine.errors import ConfigError, DataError


def imagefolder(root: str) -> DataConfig:
    return DataConfig(dataset="imagefolder", root=root, val_size=3)


def test_a_name_under_the_data_folder_loads(data_dir):
    write_folder(data_dir / "pets")
    assert load_dataset(imagefolder("pets")).num_classes == 3


def test_a_nested_name_loads_from_the_second_data_folder(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    write_folder(second / "zoo" / "pets")
    monkeypatch.setenv(locate.DATA_DIRS_ENV, f"{first}:{second}")
    assert load_dataset(imagefolder("zoo/pets")).num_classes == 3


def test_a_symlink_leaving_the_data_folder_is_refused(data_dir, tmp_path):
    outside = tmp_path / "outside"
    write_folder(outside)  # a loadable folder: only the fence can stop it
    (data_dir / "pets").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ConfigError, match="resolves outside every data folder") as caught:
        load_dataset(imagefolder("pets"))
    assert caught.value.field == "data.root"
    assert str(outside) not in caught.value.message  # where the link leads is not told to the submitter


def test_a_symlink_higher_up_the_name_is_refused_too(data_dir, tmp_path):
    write_folder(tmp_path / "outside" / "pets")
    (data_dir / "shared").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(ConfigError) as caught:
        load_dataset(imagefolder("shared/pets"))
    assert caught.value.field == "data.root"


def test_a_dangling_symlink_out_is_refused_before_a_download_could_follow_it(data_dir, tmp_path):
    (data_dir / "mnist").symlink_to(tmp_path / "not-yet", target_is_directory=True)
    with pytest.raises(ConfigError, match="data.root"):
        load_dataset(DataConfig(dataset="mnist", root="mnist", download=True))
    assert not (tmp_path / "not-yet").exists()


def test_a_symlink_from_one_data_folder_into_another_is_followed(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    write_folder(second / "pets")
    (first / "pets").symlink_to(second / "pets", target_is_directory=True)
    monkeypatch.setenv(locate.DATA_DIRS_ENV, f"{first}:{second}")
    assert load_dataset(imagefolder("pets")).num_classes == 3


@pytest.mark.parametrize(
    ("root", "words"),
    [
        ("..", "'..'"),
        ("pets/../../etc", "'..'"),
        ("/etc", "absolute path"),
        ("pets\\..\\x", "backslashes"),
        ("pets\0", "NUL"),
    ],
)
def test_names_that_climb_out_are_refused_before_any_file_is_touched(data_dir, root, words):
    write_folder(data_dir.parent / "etc")  # `..` from the data folder reaches a loadable folder
    with pytest.raises(ConfigError, match=words) as caught:
        load_dataset(DataConfig(dataset="imagefolder", root=root, val_size=3))
    assert caught.value.field == "data.root"
    with pytest.raises(ConfigError) as caught:
        validate({**TINY_CONFIG, "data": {"dataset": "imagefolder", "root": root}})
    assert caught.value.field == "data.root"


def test_the_engine_refuses_an_absolute_root_with_exit_2_naming_the_field(data_dir, tmp_path):
    write_folder(tmp_path / "pets")
    config = {**TINY_CONFIG, "data": {"dataset": "imagefolder", "root": str(tmp_path / "pets"), "valSize": 3}}
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 2, run.stderr
    [error] = run.of_type("error")
    assert error["code"] == "config" and error["field"] == "data.root"
    assert "Traceback" not in run.stderr


def test_the_engine_refuses_a_symlink_out_naming_the_field(data_dir, tmp_path):
    write_folder(tmp_path / "outside")
    (data_dir / "pets").symlink_to(tmp_path / "outside", target_is_directory=True)
    config = {**TINY_CONFIG, "data": {"dataset": "imagefolder", "root": "pets", "valSize": 3}}
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 2, run.stderr
    [error] = run.of_type("error")
    assert error["field"] == "data.root" and "outside every data folder" in error["message"]


def test_a_missing_name_lists_every_place_searched(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.setenv(locate.DATA_DIRS_ENV, f"{first}:{second}")
    with pytest.raises(DataError) as caught:
        load_dataset(imagefolder("pets"))
    assert caught.value.field == "data.root"
    assert str(first / "pets") in caught.value.message and str(second / "pets") in caught.value.message


def test_relative_data_folders_are_refused(monkeypatch):
    monkeypatch.setenv(locate.DATA_DIRS_ENV, "datasets:/srv/data")
    with pytest.raises(ConfigError, match="RESLAB_DATA_DIRS must list absolute folders, got datasets"):
        locate.data_dirs()


def test_without_reslab_data_dirs_the_usual_places_are_the_data_folders(monkeypatch, tmp_path):
    monkeypatch.delenv(locate.DATA_DIRS_ENV, raising=False)
    monkeypatch.setenv(locate.DATA_ENV, str(tmp_path))
    assert locate.data_dirs() == [tmp_path, locate.SYSTEM_DATA_DIR, locate.DEFAULT_CACHE.expanduser()]


def test_a_download_under_a_name_goes_to_the_first_writable_data_folder(tmp_path, monkeypatch):
    missing, writable = tmp_path / "missing", tmp_path / "writable"
    writable.mkdir()
    monkeypatch.setenv(locate.DATA_DIRS_ENV, f"{missing}:{writable}")
    assert locate.download_dir("mnist", "mnist") == writable / "mnist"
    (missing / "mnist").mkdir(parents=True)  # a folder the name already names wins
    assert locate.download_dir("mnist", "mnist") == missing / "mnist"
