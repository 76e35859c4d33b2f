"""benchmarks/gpu_resnet50.py cannot rot while no GPU is lent: its --smoke run goes through every path on the CPU
(the fake image folder, the model-only ceiling, the engine's `train` and its `launch` on two gloo processes) at
32x32 with a few steps. Nothing about speed is asserted."""

import subprocess
import sys

from conftest import ENGINE_DIR, engine_env

SCRIPT = ENGINE_DIR.parents[1] / "benchmarks" / "gpu_resnet50.py"


def test_gpu_resnet50_benchmark_runs_on_the_cpu_with_smoke():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"], env=engine_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-4000:]
    for figure in ("ceiling (1 GPU, resident batch)", "engine  (1 GPU, `train`)", "ddp     (2 processes, `launch`)"):
        assert figure in done.stdout, done.stdout
    assert "smoke" in done.stdout  # the output says its figures mean nothing
