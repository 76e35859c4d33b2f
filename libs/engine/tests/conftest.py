"""Shared helpers: run the real engine as a subprocess and parse its event stream."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from reslab_engine.config import load_schema

ENGINE_DIR = Path(__file__).resolve().parents[1]

# A small, fast run: ResNet-8 at half width on the synthetic data set (2000 train / 500 test images).
TINY_CONFIG = {
    "model": {"arch": "resnet", "depth": 8, "width": 8},
    "data": {"dataset": "synthetic", "valSize": 200},
    "optim": {"batchSize": 64},
    "epochs": 2,
}


class EngineRun:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.events = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]

    def of_type(self, event_type: str) -> list[dict]:
        return [event for event in self.events if event["type"] == event_type]

    def metrics(self) -> list[dict]:
        """epoch_metric events without the wall-clock fields, for exact comparison between runs."""
        return [{k: v for k, v in e.items() if k not in ("time", "seconds")} for e in self.of_type("epoch_metric")]


def engine_command(config_path: Path, out_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reslab_engine", "train", "--config", str(config_path), "--out", str(out_dir), *extra]


def engine_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ENGINE_DIR)}


def write_config(directory: Path, config: dict, name: str = "run.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(config))
    return path


def run_engine(config: dict | Path, out_dir: Path, *extra: str, timeout: float = 120) -> EngineRun:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = config if isinstance(config, Path) else write_config(out_dir.parent, config, f"{out_dir.name}.json")
    completed = subprocess.run(
        engine_command(path, out_dir, *extra),
        cwd=ENGINE_DIR,
        env=engine_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return EngineRun(completed)


@pytest.fixture(scope="session")
def event_validator() -> jsonschema.Draft202012Validator:
    schema = load_schema("engine-event.schema.json")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> EngineRun:
    """One uninterrupted tiny run, shared by the event, determinism and resume tests."""
    run = run_engine(TINY_CONFIG, tmp_path_factory.mktemp("tiny") / "run")
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """The one folder `data.root` names resolve under (RESLAB_DATA_DIRS, as a worker passes it), empty; engine
    subprocesses started by run_engine inherit it."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("RESLAB_DATA_DIRS", str(folder))
    return folder
