"""One engine run as the worker starts it: `python -m reslab_engine train --config run.json --out DIR`, its JSONL
event stream read back into curves and final figures. Shared by the benchmarks that train real nets."""

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "libs" / "engine"
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass
class EngineResult:
    curves: dict[str, list[list[float]]]  # split -> [iterations so far, error] at the end of each epoch
    test_error: float | None  # the final weights, evaluated once
    seconds: float  # wall time of the whole process, data loading included
    params: int
    iterations_per_epoch: int

    def record(self) -> dict:
        return {
            "curves": self.curves,
            "testError": self.test_error,
            "seconds": round(self.seconds, 1),
            "params": self.params,
        }


def run_engine(config: dict, threads: int | None = None, python: Path = PYTHON) -> EngineResult:
    """Train one config to the end; an engine failure raises with the last lines of its stderr."""
    with tempfile.TemporaryDirectory(prefix="reslab-bench-") as folder:
        path = Path(folder) / "run.json"
        path.write_text(json.dumps(config))
        env = {**os.environ, "PYTHONPATH": str(ENGINE)}
        if threads is not None:
            env["OMP_NUM_THREADS"] = str(threads)
        tic = time.perf_counter()
        done = subprocess.run(
            [str(python), "-m", "reslab_engine", "train", "--config", str(path), "--out", str(Path(folder) / "out")],
            env=env,
            cwd=ENGINE,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - tic
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"engine exited {done.returncode}: {' | '.join(tail)}")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    started = next(e for e in events if e["type"] == "run_started")
    per_epoch = -(-started["sizes"]["train"] // config["optim"]["batchSize"])  # the last, smaller batch is kept
    curves: dict[str, list[list[float]]] = {"train": [], "val": []}
    test_error = None
    for event in events:
        if event["type"] != "epoch_metric":
            continue
        error = 1 - event["accuracy"]
        if event["split"] == "test":
            test_error = error
        else:
            curves[event["split"]].append([event["epoch"] * per_epoch, round(error, 5)])
    return EngineResult(curves, test_error, seconds, started["params"], per_epoch)
