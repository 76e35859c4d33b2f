"""Seeds and resume: the same config gives the same metrics, and a resumed run ends exactly where an
uninterrupted one does (after a crash at an epoch boundary, and after SIGTERM mid-epoch)."""

import copy
import json
import signal
import subprocess
import time

import pytest
import torch
from conftest import ENGINE_DIR, TINY_CONFIG, engine_command, engine_env, run_engine, write_config

from reslab_engine.data.batches import pad_crop_flip


def test_same_config_gives_identical_metrics(tiny_run, tmp_path):
    again = run_engine(TINY_CONFIG, tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert again.metrics() == tiny_run.metrics()


def test_other_seed_gives_other_metrics(tiny_run, tmp_path):
    other = run_engine({**TINY_CONFIG, "seed": 1}, tmp_path / "other")
    assert other.metrics() != tiny_run.metrics()


def start_engine(config: dict, tmp_path, name: str) -> tuple[subprocess.Popen, "object"]:
    out_dir = tmp_path / name
    command = engine_command(write_config(tmp_path, config, f"{name}.json"), out_dir)
    process = subprocess.Popen(command, cwd=ENGINE_DIR, env=engine_env(), stdout=subprocess.PIPE, text=True)
    return process, out_dir


def test_resume_after_crash_at_epoch_boundary_matches_uninterrupted_run(tmp_path):
    # Augmentation and the step schedule put the data generator and the scheduler into the saved state.
    config = copy.deepcopy(TINY_CONFIG)
    config["data"]["augment"] = True
    config["optim"].update(schedule="step", batchSize=32)
    full = run_engine(config, tmp_path / "full")
    assert full.returncode == 0, full.stderr

    process, out_dir = start_engine(config, tmp_path, "crashed")
    for line in process.stdout:
        if '"type":"checkpoint"' in line:
            process.kill()  # a crash: no chance to clean up
            break
    process.wait()
    assert torch.load(out_dir / "state.pt", weights_only=True)["epoch"] == 1

    resumed = run_engine(config, out_dir, "--resume", str(out_dir))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["startEpoch"] == 2
    # Epoch 1 is emitted again from the checkpoint's history (a reader may have missed it), then epoch 2 and
    # the test split continue exactly as in the uninterrupted run.
    assert resumed.metrics() == full.metrics()


def test_sigterm_checkpoints_mid_epoch_and_resume_is_exact(tmp_path):
    config = copy.deepcopy(TINY_CONFIG)
    config["data"]["augment"] = True
    config["optim"]["batchSize"] = 16  # 113 steps per epoch, so the signal lands inside epoch 1
    full = run_engine(config, tmp_path / "full")
    assert full.returncode == 0, full.stderr

    process, out_dir = start_engine(config, tmp_path, "stopped")
    assert '"type":"run_started"' in process.stdout.readline()
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    rest = process.stdout.read()
    assert process.wait() == 128 + signal.SIGTERM
    assert '"type":"checkpoint"' in rest and '"type":"run_finished"' not in rest
    state = torch.load(out_dir / "state.pt", weights_only=True)
    assert state["epoch"] == 0 and state["step"] > 0  # mid-epoch 1

    resumed = run_engine(config, out_dir, "--resume", str(out_dir))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["startEpoch"] == 1
    assert resumed.metrics() == full.metrics()


def test_augmentation_is_a_per_image_translation_or_flip():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).reshape(2, 1, 6, 6) + 1
    out = pad_crop_flip(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for image, original in zip(out, x, strict=True):
        nonzero = image[image != 0]
        # Every surviving pixel comes from the original image, once; at most 4 rows/cols are padding.
        assert set(nonzero.tolist()) <= set(original.flatten().tolist())
        assert len(nonzero) >= 2 * 2


# A one-epoch run of four steps: enough to compare memory layouts and compiled vs eager training.
SMALL_CONFIG = {
    "model": {"arch": "resnet", "depth": 8, "width": 8},
    "data": {"dataset": "synthetic", "trainSubset": 456, "valSize": 200, "testSubset": 100},
    "optim": {"batchSize": 64},
    "diagnostics": {"gradFlowBatches": 0},
    "epochs": 1,
}


def small_run(tmp_path, name: str, train: dict) -> list[dict]:
    run = run_engine({**SMALL_CONFIG, "train": train}, tmp_path / name, timeout=180)
    assert run.returncode == 0, run.stderr
    return run.metrics()


def assert_close(metrics: list[dict], reference: list[dict]) -> None:
    # Other kernels (NCHW vs NHWC convolutions, inductor's fused code) sum in another order: equal up to rounding.
    assert [m["split"] for m in metrics] == [m["split"] for m in reference]
    assert [m["loss"] for m in metrics] == pytest.approx([m["loss"] for m in reference], rel=1e-4)


def test_layout_and_compile_follow_the_config_and_train_alike(tmp_path):
    reference = small_run(tmp_path, "eager", {"channelsLast": True})
    assert_close(small_run(tmp_path, "nchw", {"channelsLast": False}), reference)
    # torch.compile on the CPU: inductor generates C++ (g++ on this machine); about 35 s with a cold
    # compile cache on 2 cores, under 10 s once ~/.cache or /tmp/torchinductor_* holds the kernels.
    assert_close(small_run(tmp_path, "compiled", {"compile": True}), reference)


def test_compile_without_a_cpu_compiler_fails_clearly(tmp_path):
    # The engine runs by absolute path; an empty PATH hides g++ from inductor (and from the engine's check).
    config = write_config(tmp_path, {**SMALL_CONFIG, "device": "cpu", "train": {"compile": True}})
    env = {key: value for key, value in engine_env().items() if key != "CXX"}
    completed = subprocess.run(
        engine_command(config, tmp_path / "run"),
        cwd=ENGINE_DIR,
        env={**env, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    event = json.loads(completed.stdout.splitlines()[-1])
    assert (event["type"], event["field"]) == ("error", "train.compile") and "C++ compiler" in event["message"]
    assert "Traceback" not in completed.stderr


def test_bf16_on_the_cpu_is_a_config_error(tmp_path):
    run = run_engine({**SMALL_CONFIG, "device": "cpu", "train": {"amp": "bf16"}}, tmp_path / "run")
    assert run.returncode == 2
    assert [(e["type"], e["code"], e["field"]) for e in run.events] == [("error", "config", "train.amp")]


def test_sigint_stops_like_sigterm(tmp_path):
    # Ctrl-C in the terminal running `make demo` reaches the engines too: checkpoint and exit 143, no traceback.
    config = copy.deepcopy(TINY_CONFIG)
    config["optim"]["batchSize"] = 16
    process, _ = start_engine(config, tmp_path, "interrupted")
    assert '"type":"run_started"' in process.stdout.readline()
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()
    assert process.wait() == 128 + signal.SIGTERM
    # A KeyboardInterrupt would have ended the process with 1 and no checkpoint.
    assert '"type":"checkpoint"' in rest and '"type":"run_finished"' not in rest
