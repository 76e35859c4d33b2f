"""What the worker relies on when it fences attempts: a resume picks the furthest complete checkpoint among
every earlier attempt's folder, and an engine whose worker is killed with -9 stops by itself."""

import os
import signal
import subprocess
import time

import torch
from conftest import ENGINE_DIR, TINY_CONFIG, engine_command, engine_env, run_engine, write_config

from reslab_engine import checkpoint


def crash_after_first_checkpoint(config: dict, tmp_path, out_dir) -> None:
    command = engine_command(write_config(tmp_path, config, f"{out_dir.name}.json"), out_dir)
    process = subprocess.Popen(command, cwd=ENGINE_DIR, env=engine_env(), stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if '"type":"checkpoint"' in line:
            process.kill()
            break
    process.wait()


def test_resume_takes_the_furthest_complete_checkpoint_among_attempts(tmp_path):
    full = run_engine(TINY_CONFIG, tmp_path / "full")
    assert full.returncode == 0, full.stderr

    attempt1 = tmp_path / "run" / "attempt-1"
    crash_after_first_checkpoint(TINY_CONFIG, tmp_path, attempt1)
    assert checkpoint.progress(attempt1) == (1, 0)
    # attempt-2 died before it checkpointed; attempt-3's files are torn (weights and state from two saves).
    attempt2 = tmp_path / "run" / "attempt-2"
    attempt2.mkdir()
    attempt3 = tmp_path / "run" / "attempt-3"
    attempt3.mkdir()
    (attempt3 / "model.safetensors").write_bytes((attempt1 / "model.safetensors").read_bytes())
    state = torch.load(attempt1 / "state.pt", weights_only=True)
    torch.save({**state, "epoch": 2}, attempt3 / "state.pt")
    assert checkpoint.progress(attempt2) is None
    assert checkpoint.progress(attempt3) is None
    assert checkpoint.newest([attempt2, attempt3, attempt1]) == attempt1

    resumed = run_engine(
        TINY_CONFIG, tmp_path / "run" / "attempt-4", "--resume", str(attempt2), str(attempt3), str(attempt1)
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["startEpoch"] == 2
    assert resumed.metrics() == full.metrics()


def test_engine_stops_when_its_worker_is_killed(tmp_path):
    config = {**TINY_CONFIG, "epochs": 50}
    command = " ".join(engine_command(write_config(tmp_path, config), tmp_path / "out"))
    # bash stands in for the worker: it starts the engine as the worker does, prints its pid, and waits.
    parent = subprocess.Popen(
        ["bash", "-c", f"RESLAB_EXIT_WITH_PARENT=1 RESLAB_PARENT_PID=$$ {command} >/dev/null 2>&1 & echo $!; wait"],
        cwd=ENGINE_DIR,
        env=engine_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    engine_pid = int(parent.stdout.readline())
    deadline = time.monotonic() + 60
    while not (tmp_path / "out" / "state.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # until the engine is training (its first checkpoint is written)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    while time.monotonic() < deadline:
        try:
            os.kill(engine_pid, 0)
        except ProcessLookupError:
            break
        # a zombie counts as gone: its parent (bash) is dead, and init reaps it
        with open(f"/proc/{engine_pid}/stat") as stat:
            if stat.read().split(") ")[1].startswith("Z"):
                break
        time.sleep(0.2)
    else:
        os.kill(engine_pid, signal.SIGKILL)
        raise AssertionError("the engine went on training after its worker was killed")
    assert checkpoint.progress(tmp_path / "out") is not None
