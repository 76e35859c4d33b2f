"""The loss landscape (Li et al. 2018) on a tiny net trained here: the grid's centre is the checkpoint's own loss,
the directions are filter-normalised and shared by twins, and chunks and resumes add up to the one uninterrupted
grid, point for point."""

import contextlib
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ENGINE_DIR, TINY_CONFIG, EngineRun, engine_env, run_engine

from reslab_engine import PROTOCOL_VERSION, checkpoint, train
from reslab_engine.analysis.directions import random_directions
from reslab_engine.analysis.job import validate_job
from reslab_engine.analysis.landscape import WeightShift, build, chunk_range, coordinates
from reslab_engine.analysis.runner import AnalysisContext
from reslab_engine.config import validate
from reslab_engine.data import ImageSet, load_dataset
from reslab_engine.errors import ConfigError
from reslab_engine.models import create_model

# One epoch on 1,000 images is enough for a minimum to sit at the centre.
RUN = {**TINY_CONFIG, "data": {**TINY_CONFIG["data"], "trainSubset": 1000}, "epochs": 1}
# 5 x 5 points over 100 training images: enough work that a SIGTERM sent after the first part lands well before
# the last row, little enough for a loaded 2-core machine.
PARAMS = {"dims": 2, "resolution": 5, "span": 1, "split": "train", "evalImages": 100, "seed": 3}
CENTRE = (PARAMS["resolution"] - 1) // 2
EXIT_STOPPED = 128 + signal.SIGTERM


def job_config(params: dict, index: int = 0, count: int = 1) -> dict:
    return {
        "run": RUN,
        "analysis": {"kind": "landscape", "params": {**params, "chunks": count}},
        "chunk": {"index": index, "count": count},
    }


def analyze_command(job: dict, checkpoint_dir: Path, out_dir: Path, *extra: str) -> list[str]:
    out_dir.mkdir(parents=True)
    path = out_dir.parent / f"{out_dir.name}.json"
    path.write_text(json.dumps(job))
    return [sys.executable, "-m", "reslab_engine", "analyze", "--config", str(path)] + [
        "--checkpoint",
        str(checkpoint_dir),
        "--out",
        str(out_dir),
        *extra,
    ]


def start(job: dict, checkpoint_dir: Path, out_dir: Path, *extra: str) -> subprocess.Popen:
    command = analyze_command(job, checkpoint_dir, out_dir, *extra)
    return subprocess.Popen(
        command, cwd=ENGINE_DIR, env=engine_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen) -> EngineRun:
    stdout, stderr = process.communicate(timeout=120)
    return EngineRun(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))


def analyze(job: dict, checkpoint_dir: Path, out_dir: Path, *extra: str) -> EngineRun:
    return finish(start(job, checkpoint_dir, out_dir, *extra))


def parts(run: EngineRun) -> dict[str, dict]:
    return {event["part"]: event["data"] for event in run.of_type("analysis_part")}


def grid_points(part_data: dict[str, dict]) -> dict[tuple[int, int], dict]:
    """Every point of the parts by (i, j); a point seen twice fails."""
    points: dict[tuple[int, int], dict] = {}
    for data in part_data.values():
        if data["section"] != "landscape.points":
            continue
        for point in data["points"]:
            key = (point["i"], point["j"])
            assert key not in points, f"point {key} computed twice"
            points[key] = point
    return points


def assert_valid(run: EngineRun, event_validator) -> None:
    assert run.events, run.stderr
    for event in run.events:
        event_validator.validate(event)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landscape") / "run"
    run = run_engine(RUN, out)
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture(scope="module")
def whole(trained, tmp_path_factory) -> EngineRun:
    """The whole grid in one job (chunk 0 of 1)."""
    before = {path.name: path.read_bytes() for path in trained.iterdir()}
    run = analyze(job_config(PARAMS), trained, tmp_path_factory.mktemp("whole") / "out")
    assert run.returncode == 0, run.stderr
    assert {path.name: path.read_bytes() for path in trained.iterdir()} == before  # the weights moved in memory only
    return run


def test_the_grid_centre_is_the_checkpoints_own_loss(whole, trained, event_validator):
    assert_valid(whole, event_validator)
    results = parts(whole)
    assert list(results) == ["setup", *(f"row:{i}" for i in range(PARAMS["resolution"]))]
    setup = results["setup"]
    assert setup["images"] == PARAMS["evalImages"] and setup["bnMode"] == "eval"
    points = grid_points(results)
    assert len(points) == PARAMS["resolution"] ** 2
    centre = points[(CENTRE, CENTRE)]
    assert (centre["alpha"], centre["beta"]) == (0.0, 0.0)

    # Independently: the checkpoint loaded here and evaluated by training's own evaluate, in NCHW.
    config = validate(RUN)
    data = load_dataset(config.data)
    model = create_model(config.model.name, in_channels=data.in_channels, num_classes=data.num_classes, width=8)
    checkpoint.load_checkpoint(trained, model)
    images = ImageSet(data.train.images[: PARAMS["evalImages"]], data.train.labels[: PARAMS["evalImages"]])
    meter, _ = train.evaluate(model, images, data, torch.contiguous_format, contextlib.nullcontext)
    expected = meter.summary()
    assert centre["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert setup["centerLoss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert centre["accuracy"] == pytest.approx(expected["accuracy"])
    # Away from the centre the net is worse: the loss did move with the weights.
    corners = [points[(i, j)]["loss"] for i in (0, PARAMS["resolution"] - 1) for j in (0, PARAMS["resolution"] - 1)]
    assert min(corners) > centre["loss"]


def test_directions_are_filter_normalised_and_shared_by_twins():
    resnet = create_model("resnet8", in_channels=1, num_classes=10, width=8)
    plain = create_model("plain8", in_channels=1, num_classes=10, width=8)
    plain.load_state_dict(resnet.state_dict())  # option A: the same names and shapes
    d1, d2 = random_directions(resnet, seed=5, count=2)
    for (name, weight), v1, v2 in zip(resnet.named_parameters(), d1, d2, strict=True):
        if weight.dim() >= 2:  # conv filters, and the linear layer's rows (fc.weight)
            norms = weight.detach().reshape(weight.shape[0], -1).norm(dim=1)
            for direction in (v1, v2):
                assert direction.reshape(weight.shape[0], -1).norm(dim=1) == pytest.approx(norms, rel=1e-5), name
        else:  # biases and BatchNorm weights and biases are not perturbed
            assert not v1.any() and not v2.any(), name
    assert not torch.equal(d1[0], d2[0])  # d2 is a second draw, not d1 again

    twin = random_directions(plain, seed=5, count=2)
    for mine, theirs in zip([*d1, *d2], [*twin[0], *twin[1]], strict=True):
        assert torch.equal(mine, theirs)
    other = random_directions(resnet, seed=6, count=2)
    assert not torch.equal(other[0][0], d1[0])


def test_the_shift_moves_the_weights_along_the_directions_and_back():
    model = create_model("resnet8", in_channels=1, num_classes=10, width=8)
    before = {name: value.clone() for name, value in model.state_dict().items()}
    d1, d2 = random_directions(model, seed=0, count=2)
    shift = WeightShift(model, [d1, d2])
    shift.move_to((0.5, -2.0))
    for (name, weight), v1, v2 in zip(model.named_parameters(), d1, d2, strict=True):
        assert weight.detach() == pytest.approx(before[name] + 0.5 * v1 - 2.0 * v2, abs=1e-6), name
    shift.restore()
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_the_grid_and_its_chunks():
    assert coordinates(5, 2.0) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert coordinates(21, 1.0)[10] == 0.0
    assert [list(chunk_range(7, k, 3)) for k in range(3)] == [[0, 1], [2, 3], [4, 5, 6]]


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset(validate(TINY_CONFIG).data)


@pytest.mark.parametrize(
    ("params", "count", "field"),
    [
        ({"resolution": 6}, 1, "analysis.params.resolution"),  # the trained weights would fall between points
        ({"resolution": 3, "chunks": 4}, 4, "analysis.params.chunks"),  # a chunk would have no row
        ({"resolution": 3, "chunks": 1}, 4, "chunk.count"),
    ],
)
def test_a_grid_that_cannot_be_taken_is_refused_naming_the_field(synthetic, params, count, field):
    analysis = {"kind": "landscape", "params": params}
    job = validate_job({"run": TINY_CONFIG, "analysis": analysis, "chunk": {"index": 0, "count": count}})
    model = create_model("resnet8", in_channels=1, num_classes=10, width=8).eval()
    with pytest.raises(ConfigError) as refused:
        build(AnalysisContext(job, model, synthetic, torch.device("cpu")))
    assert refused.value.field == field


def test_chunks_add_up_to_the_whole_grid(whole, trained, tmp_path, event_validator):
    started = [start(job_config(PARAMS, index, 2), trained, tmp_path / f"chunk{index}") for index in range(2)]
    chunks = [finish(process) for process in started]  # side by side, as two workers would
    for run in chunks:
        assert run.returncode == 0, run.stderr
        assert_valid(run, event_validator)
    first, second = (parts(run) for run in chunks)
    assert "setup" in first and "setup" not in second
    assert not set(first) & set(second)  # part names are unique across chunks
    assert first["setup"] == parts(whole)["setup"]
    assert grid_points({**first, **second}) == grid_points(parts(whole))


def test_a_stopped_job_resumes_with_only_the_missing_rows(whole, trained, tmp_path, event_validator):
    process = start(job_config(PARAMS), trained, tmp_path / "first")
    for line in process.stdout:
        if json.loads(line)["type"] == "analysis_part":
            process.send_signal(signal.SIGTERM)  # after the first part: the rest of the grid is still to do
            break
    assert finish(process).returncode == EXIT_STOPPED
    kept = [json.loads(line)["part"] for line in (tmp_path / "first" / "parts.jsonl").read_text().splitlines()]
    assert 1 <= len(kept) < PARAMS["resolution"] + 1

    resumed = analyze(job_config(PARAMS), trained, tmp_path / "second", "--resume", str(tmp_path / "first"))
    assert resumed.returncode == 0, resumed.stderr
    assert_valid(resumed, event_validator)
    assert resumed.of_type("analysis_started")[0]["done"] == len(kept)
    computed = re.findall(r"landscape (\S+): [\d.]+ s", resumed.stderr)  # the runner logs each unit it computes
    assert computed == [unit for unit in parts(whole) if unit not in kept]
    assert parts(resumed) == parts(whole)  # the replayed parts are re-emitted, and every value is the same


def test_a_line_is_the_surfaces_middle_column(synthetic, event_validator):
    """d1 is the first draw at either dims, so the 1D line is the 2D grid at beta = 0, point for point."""
    model = create_model("resnet8", in_channels=1, num_classes=10, width=8).eval()
    params = {"resolution": 5, "evalImages": 50, "split": "test", "seed": 1}

    def analysis(dims: int, index: int = 0, count: int = 1):
        spec = {"kind": "landscape", "params": {**params, "dims": dims, "chunks": count}}
        job = validate_job({"run": TINY_CONFIG, "analysis": spec, "chunk": {"index": index, "count": count}})
        return build(AnalysisContext(job, model, synthetic, torch.device("cpu")))

    line = [analysis(1, index, 2) for index in range(2)]
    assert [part.units() for part in line] == [["setup", "points:0-1"], ["points:2-4"]]
    surface = analysis(2)
    column = {i: point for (i, j), point in computed(surface, event_validator).items() if j == CENTRE}
    points = computed(line[0], event_validator) | computed(line[1], event_validator)
    assert list(points) == [(i, 0) for i in range(5)]
    for (i, _), point in points.items():
        assert point == {**column[i], "j": 0}
    assert points[(CENTRE, 0)]["loss"] == line[0].compute("setup", {})["centerLoss"]


def computed(analysis, event_validator) -> dict[tuple[int, int], dict]:
    """Every grid part of an analysis built in this process, computed here, each valid as the event it would be."""
    results = {unit: analysis.compute(unit, {}) for unit in analysis.units() if unit != "setup"}
    for unit, data in results.items():
        event = {"v": PROTOCOL_VERSION, "time": "2026-01-01T00:00:00+00:00", "type": "analysis_part", "part": unit}
        event_validator.validate({**event, "data": data, "done": 1, "units": len(results)})
    return grid_points(results)
