"""DDP overhead on the CPU (gloo): the same run and global batch on 2 processes against 1, through the engine's
real entry points (`python -m reslab_engine launch ... -- train` and `python -m reslab_engine train`).

Three variants per round, interleaved, on the same cores:
1. ddp-2x1   - `launch --nproc-per-node 2`, OMP_NUM_THREADS=1 in each rank (two processes, one thread each);
2. single-2t - `train`, OMP_NUM_THREADS=2 (one process, the same two cores as threads);
3. single-1t - `train`, OMP_NUM_THREADS=1 (one process, one core: what a second process should double).
Images/s are the train split's images over its `seconds` in the run's own epoch_metric event, for the second
epoch (the first is the warm-up); process start-up, the rendezvous and evaluation are outside that time. A first
round is discarded, then --rounds are kept; the median and min-max of each variant and of each round's ratios are
printed. Also printed: the cost of the one all-reduce per step that lets the ranks agree on a stop (two float64s,
gloo, 2 processes), the median of --reduces calls.

The data set is the engine's synthetic one (1x28x28, 10 classes), a stand-in for Fashion-MNIST; the model is CIFAR
ResNet-20. Figures are printed, never asserted.

    .venv/bin/python benchmarks/ddp_overhead.py [--rounds 3] [--train-images 1536] [--batch 128]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "libs" / "engine"


def run_config(train_images: int, batch: int, world_size: int) -> dict:
    return {
        "model": {"arch": "resnet", "depth": 20},
        "data": {"dataset": "synthetic", "trainSubset": train_images + 100, "valSize": 100, "testSubset": 100},
        "optim": {"batchSize": batch},
        "epochs": 2,
        "diagnostics": {"gradFlowBatches": 0},
        "resources": {"gpus": world_size},
    }


def images_per_second(folder: Path, name: str, train_images: int, batch: int, processes: int, threads: int) -> float:
    config = folder / f"{name}.json"
    config.write_text(json.dumps(run_config(train_images, batch, processes)))
    train = ["train", "--config", str(config), "--out", str(folder / name)]
    if processes > 1:
        command = [sys.executable, "-m", "reslab_engine", "launch", "--nproc-per-node", str(processes), "--"]
        command += train
    else:
        command = [sys.executable, "-m", "reslab_engine", *train]
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run(command, cwd=ENGINE, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    (second,) = [e for e in events if e["type"] == "epoch_metric" and e["split"] == "train" and e["epoch"] == 2]
    return train_images / second["seconds"]


def all_reduce_cost(reduces: int) -> float:
    """Median seconds of one 2-element float64 all-reduce between two gloo processes (the engine's stop vote)."""
    script = f"""
import statistics, time, torch, torch.distributed as dist
dist.init_process_group("gloo")
values, times = torch.zeros(2, dtype=torch.float64), []
for _ in range({reduces}):
    tic = time.perf_counter(); dist.all_reduce(values); times.append(time.perf_counter() - tic)
if dist.get_rank() == 0:
    print(statistics.median(times[{reduces} // 10:]))
dist.destroy_process_group()
"""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(script)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2", "--standalone", handle.name]
    done = subprocess.run(command, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True)
    os.unlink(handle.name)
    if done.returncode != 0:
        raise SystemExit(f"all-reduce probe failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):8.1f}  (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-images", type=int, default=1536)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--reduces", type=int, default=2000)
    args = parser.parse_args()
    variants = {"ddp-2x1": (2, 1), "single-2t": (1, 2), "single-1t": (1, 1)}
    kept: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for round_ in range(args.rounds + 1):
            tic = time.perf_counter()
            figures = {
                name: images_per_second(folder, f"{name}-{round_}", args.train_images, args.batch, *shape)
                for name, shape in variants.items()
            }
            label = "warm-up, discarded" if round_ == 0 else "kept"
            line = ", ".join(f"{name} {value:.1f}" for name, value in figures.items())
            print(f"round {round_} ({label}, {time.perf_counter() - tic:.0f} s): {line} images/s", flush=True)
            if round_:
                for name, value in figures.items():
                    kept[name].append(value)
        reduce_seconds = all_reduce_cost(args.reduces)
    print()
    print(f"CPU, gloo backend, {os.cpu_count()} cores (shared with other work); CIFAR ResNet-20 on the engine's")
    print(f"synthetic 1x28x28 data, {args.train_images} training images, global batch {args.batch}, epoch 2 of 2;")
    print(f"median and min-max over {args.rounds} interleaved rounds. Images/s (train split, from the events):")
    for name in variants:
        print(f"  {name:10} {spread(kept[name])}")
    ratios = {
        "ddp-2x1 / single-2t": [a / b for a, b in zip(kept["ddp-2x1"], kept["single-2t"], strict=True)],
        "ddp-2x1 / single-1t": [a / b for a, b in zip(kept["ddp-2x1"], kept["single-1t"], strict=True)],
        "single-2t / single-1t": [a / b for a, b in zip(kept["single-2t"], kept["single-1t"], strict=True)],
    }
    for name, values in ratios.items():
        low, high = min(values), max(values)
        print(f"  {name:22} median {statistics.median(values):.2f}x  (min {low:.2f}, max {high:.2f})")
    steps = -(-args.train_images // args.batch)
    print(
        f"stop vote: one all-reduce of 2 float64s per step, median {reduce_seconds * 1e6:.0f} us over "
        f"{args.reduces} calls ({steps} steps an epoch here)"
    )


if __name__ == "__main__":
    main()
