"""The engine under torchrun on the CPU (gloo), two processes through the real `launch` entry: one event stream
and one checkpoint, metrics equal to a one-process run with the same global batch, exact stop and resume, and a
crashed rank that fails the run with its traceback.

Tolerance. Each rank trains on its half of every global batch with the same crops, and DDP's averaged gradient is
the one-process gradient, so the runs differ by float rounding (sums in another order) and, with plain BatchNorm,
by statistics taken over each half instead of the batch. Measured on TWO_RANKS's config (50-image batches, 16
steps an epoch, lr 0.02): the same one-process run on 1 and on 2 threads, pure float noise, ends epoch 1 with
train losses 2.4e-5 nats apart and val losses 4.9e-5 apart. Two ranks with train.syncBatchNorm are as close (1.6e-5,
2.2e-5); plain BatchNorm is 10-40x further (5.9e-4, 1.8e-3). So: with syncBatchNorm, losses within FLOAT_NATS
(4x the noise), and the same accuracy to one image; without, within PLAIN_BN_NATS and further than with it.
Later epochs drift apart in both cases (SGD amplifies any difference; 1 vs 2 threads alone differ by 1e-3 nats
at epoch 2), so only epoch 1 is held to these bounds.
"""

import copy
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ENGINE_DIR, EngineRun, engine_env, run_engine, write_config

from reslab_engine import checkpoint
from reslab_engine.config import validate
from reslab_engine.data import load_dataset
from reslab_engine.distributed import Replicas, check_shares, share
from reslab_engine.errors import ConfigError
from reslab_engine.train import build_model

FAULTS_DIR = Path(__file__).resolve().parent / "faults"
FLOAT_NATS = 2e-4
PLAIN_BN_NATS = 2e-2

ONE_RANK = {
    "model": {"arch": "resnet", "depth": 8, "width": 8},
    "data": {"dataset": "synthetic", "trainSubset": 1000, "valSize": 200, "testSubset": 200, "augment": True},
    "optim": {"batchSize": 50, "lr": 0.02},
    "epochs": 2,
    "diagnostics": {"gradFlowBatches": 1},
}
TWO_RANKS = {**ONE_RANK, "resources": {"gpus": 2}}


def launch_command(config_path: Path, out_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "reslab_engine",
        "launch",
        "--nproc-per-node",
        "2",
        "--",
        "train",
        "--config",
        str(config_path),
        "--out",
        str(out_dir),
        *extra,
    ]


def supervised_env() -> dict[str, str]:
    """As the worker starts the engine: exit with the parent (this test process), whose pid it names."""
    return {**engine_env(), "RESLAB_EXIT_WITH_PARENT": "1", "RESLAB_PARENT_PID": str(os.getpid())}


def launch(config: dict, out_dir: Path, *extra: str, env: dict | None = None) -> EngineRun:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = write_config(out_dir.parent, config, f"{out_dir.name}.json")
    completed = subprocess.run(
        launch_command(path, out_dir, *extra),
        cwd=ENGINE_DIR,
        env=env or supervised_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return EngineRun(completed)


def with_sync(config: dict, sync: bool) -> dict:
    return {**copy.deepcopy(config), "train": {"syncBatchNorm": sync}}


def with_curvature(config: dict) -> dict:
    """Rank 0 measures the curvature (a double backward) at epochs 0 and 2 while the other rank waits: with
    synchronised BatchNorm it must not call a collective. The diagnostics leave training untouched (own
    generator, BatchNorm statistics restored), so the metrics stay comparable with ONE_RANK's."""
    return {**config, "diagnostics": {"gradFlowBatches": 1, "curvatureEvery": 2, "curvatureImages": 32}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, EngineRun]:
    """One process; two with synchronised BatchNorm; two with plain BatchNorm (also the uninterrupted run that
    the stop test resumes towards)."""
    folder = tmp_path_factory.mktemp("ddp")
    results = {
        "one": run_engine(with_sync(ONE_RANK, True), folder / "one"),  # one process: syncBatchNorm changes nothing
        "sync": launch(with_curvature(with_sync(TWO_RANKS, True)), folder / "sync"),
        "plain": launch(with_sync(TWO_RANKS, False), folder / "plain"),
    }
    for name, run in results.items():
        assert run.returncode == 0, f"{name}: {run.stderr[-4000:]}"
    results["folder"] = folder
    return results


def epoch_one(run: EngineRun) -> dict[str, dict]:
    return {event["split"]: event for event in run.metrics() if event["epoch"] == 1}


def test_two_ranks_write_one_event_stream_and_one_checkpoint(runs, event_validator):
    run = runs["sync"]
    for event in run.events:
        event_validator.validate(event)
    started = run.of_type("run_started")
    assert len(started) == 1 and started[0]["worldSize"] == 2
    assert [event["epoch"] for event in run.of_type("checkpoint")] == [1, 2]
    assert len(run.of_type("run_finished")) == 1
    assert [event["epoch"] for event in run.of_type("curvature")] == [0, 2]
    assert [(e["epoch"], e["split"]) for e in run.of_type("epoch_metric")] == [
        (1, "train"),
        (1, "val"),
        (2, "train"),
        (2, "val"),
        (2, "test"),
    ]
    out_dir = runs["folder"] / "sync"
    assert sorted(path.name for path in out_dir.iterdir()) == [checkpoint.MODEL_FILE, checkpoint.STATE_FILE]
    assert runs["one"].of_type("run_started")[0]["worldSize"] == 1
    # Every image of every split is counted once: the shards cover the split.
    for event in run.metrics():
        assert sum(map(sum, event["confusion"])) == {"train": 800, "val": 200, "test": 200}[event["split"]]


def test_two_ranks_checkpoint_loads_into_a_plain_one_process_net(runs):
    config = validate(with_sync(ONE_RANK, True))
    model = build_model(config, load_dataset(config.data))
    saved = checkpoint.load_checkpoint(runs["folder"] / "sync", model)  # SyncBatchNorm keys are BatchNorm's
    assert saved["epoch"] == 2 and saved["config"]["resources"] == {"gpus": 2, "nodes": 1}


def test_two_ranks_with_sync_batch_norm_match_one_process_to_float_error(runs):
    one, sync = epoch_one(runs["one"]), epoch_one(runs["sync"])
    for split in ("train", "val"):
        assert abs(sync[split]["loss"] - one[split]["loss"]) < FLOAT_NATS, split
        assert abs(sync[split]["accuracy"] - one[split]["accuracy"]) <= 1 / 200, split


def test_plain_batch_norm_per_rank_differs_more_but_stays_close(runs):
    one, sync, plain = epoch_one(runs["one"]), epoch_one(runs["sync"]), epoch_one(runs["plain"])
    sync_gap = sum(abs(sync[split]["loss"] - one[split]["loss"]) for split in ("train", "val"))
    plain_gap = sum(abs(plain[split]["loss"] - one[split]["loss"]) for split in ("train", "val"))
    print(f"epoch 1 loss gaps to one process: syncBatchNorm {sync_gap:.2e} nats, plain BatchNorm {plain_gap:.2e}")
    assert plain_gap > sync_gap  # each rank's BatchNorm sees 10 images, not 20
    assert plain_gap < PLAIN_BN_NATS


def test_sigterm_to_the_launcher_stops_every_rank_and_resume_is_exact(runs, tmp_path):
    config = with_sync(TWO_RANKS, False)
    out_dir = tmp_path / "stopped"
    command = launch_command(write_config(tmp_path, config, "stopped.json"), out_dir)
    process = subprocess.Popen(
        command, cwd=ENGINE_DIR, env=supervised_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for line in process.stdout:
        if '"type":"grad_flow"' in line:  # epoch 0's diagnostics: the loop starts next
            process.send_signal(signal.SIGTERM)
            break
    rest = process.stdout.read()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 128 + signal.SIGTERM, stderr[-4000:]
    assert rest.count('"type":"checkpoint"') == 1 and '"type":"run_finished"' not in rest
    state = torch.load(out_dir / "state.pt", weights_only=True)
    assert state["step"] > 0, "the stop should land inside an epoch"
    assert "rank 1" not in rest  # no second stream

    resumed = launch(config, tmp_path / "resumed", "--resume", str(out_dir))
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert resumed.of_type("run_started")[0]["worldSize"] == 2
    assert resumed.metrics() == runs["plain"].metrics()


def test_a_crashed_rank_fails_the_run_with_its_traceback(tmp_path):
    env = {
        **engine_env(),
        "PYTHONPATH": f"{FAULTS_DIR}:{ENGINE_DIR}",  # tests/faults/sitecustomize.py: rank 1 raises in step 3
        "RESLAB_TEST_FAULT_RANK": "1",
        "RESLAB_TEST_FAULT_STEP": "3",
    }
    run = launch(with_sync(TWO_RANKS, False), tmp_path / "crashed", env=env)
    assert run.returncode == 1
    tail = run.stderr.splitlines()[-15:]
    assert any("RuntimeError: injected fault in rank 1 at optimizer step 3" in line for line in tail), run.stderr
    assert any("rank 1" in line and "failed first" in line for line in run.stderr.splitlines())
    errors = run.of_type("error")
    # Rank 1's exit code is 1, or -15 when torchrun's teardown (rank 0 lost its peer) reaches it while it exits.
    assert errors and errors[-1]["message"].startswith("rank 1 failed first (")
    assert not run.of_type("run_finished")


@pytest.mark.parametrize("world_size", [1, 2, 3, 8])
def test_shares_cover_the_batch_in_order_and_differ_by_at_most_one(world_size):
    for count in range(world_size, 40):
        parts = [share(count, rank, world_size) for rank in range(world_size)]
        assert [i for part in parts for i in range(count)[part]] == list(range(count))
        sizes = [part.stop - part.start for part in parts]
        assert sizes == sorted(sizes, reverse=True) and sizes[0] - sizes[-1] <= 1


def test_a_batch_smaller_than_the_world_is_a_config_error():
    two = Replicas(rank=0, world_size=2, local_rank=0)
    check_shares(two, 802, 50)  # a last batch of 2 images: one each
    with pytest.raises(ConfigError) as error:
        check_shares(two, 801, 50)  # a last batch of 1 image
    assert error.value.field == "optim.batchSize"


def test_a_config_for_two_processes_run_alone_is_a_config_error_naming_resources(tmp_path):
    run = run_engine(with_sync(TWO_RANKS, False), tmp_path / "alone")
    assert run.returncode == 2
    (error,) = run.of_type("error")
    assert error["field"] == "resources" and "WORLD_SIZE 1" in error["message"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--nproc-per-node", "2", "--", "models"], "launch runs `train`"),
        (["--nproc-per-node", "1", "--nnodes", "2", "--", "train"], "--nnodes 2 needs --master-port"),
    ],
)
def test_launch_refuses_what_it_cannot_run(arguments, message):
    completed = subprocess.run(
        [sys.executable, "-m", "reslab_engine", "launch", *arguments],
        cwd=ENGINE_DIR,
        env=engine_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    error = json.loads(completed.stdout.splitlines()[-1])
    assert error["code"] == "config" and message in error["message"], error
