"""CPU training throughput of CIFAR ResNet-20 (32x32, batch 128): three loops timed in one run, interleaved.

1. engine    - the engine as users run it (`python -m reslab_engine train`): data pipeline, per-image augmentation,
               metric accumulation and events included. Images / the train split's seconds from its own events,
               for its second epoch (the first is its warm-up).
2. ceiling   - the same model's forward, backward and SGD step on batches already in memory, nothing else.
3. reference - a seed-style loop: torch.utils.data.DataLoader over a Dataset that augments one image at a time
               (pad-4 random crop + horizontal flip per sample).

All three use channels_last (as the engine does on the CPU), the same SGD settings and the same number of steps,
and each is warmed before it is timed. One round times engine, ceiling, reference in turn; a first round is a
discarded warm-up, then --rounds rounds are kept, and the median and the min-max of each figure and of each
round's ratios are reported: the machine is shared, so load moves single figures, and the ratios within a round
are what compare.

The data is FAKE: a CIFAR-10 release written in its real pickle format with random pixels (CIFAR-10 cannot be
downloaded here); throughput does not depend on pixel values. Figures are printed, never asserted.

    .venv/bin/python benchmarks/engine_throughput.py [--images 2560] [--rounds 5]
"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "libs" / "engine"
sys.path.insert(0, str(ENGINE))

from reslab_engine.models.registry import create_model  # noqa: E402 (after the sys.path line)

BATCH = 128
LAYOUT = torch.channels_last  # the engine's default on the CPU (train.channelsLast)
SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}  # the engine's defaults (optim.*), used by all three
WARMUP_STEPS = 3


def write_cifar10(root: Path, images: int) -> Path:
    """A cifar-10-batches-py folder: one training batch holding `images`, a small test batch, and the meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)

    def batch(n: int) -> dict:
        return {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": rng.integers(0, 10, n).tolist()}

    for i in range(1, 6):
        with open(folder / f"data_batch_{i}", "wb") as f:
            pickle.dump(batch(images if i == 1 else 0), f, protocol=2)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump(batch(BATCH), f, protocol=2)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [f"c{i}".encode() for i in range(10)]}, f, protocol=2)
    return folder


def engine_images_per_second(root: Path, images: int) -> float:
    """Two epochs in one engine process; the second epoch's train seconds, as its epoch_metric event reports them."""
    config = {
        "model": {"arch": "resnet", "depth": 20},
        # data.root names a folder under the engine's RESLAB_DATA_DIRS (set below), as a worker passes it.
        "data": {"dataset": "cifar10", "root": ".", "valSize": 0, "testSubset": BATCH, "augment": True},
        "optim": {"lr": SGD["lr"], "momentum": SGD["momentum"], "weightDecay": SGD["weight_decay"], "batchSize": BATCH},
        "epochs": 2,
        "train": {"channelsLast": torch.channels_last == LAYOUT},
        "diagnostics": {"gradFlowBatches": 0},
    }
    config_path = root / "run.json"
    config_path.write_text(json.dumps(config))
    out = subprocess.run(
        [sys.executable, "-m", "reslab_engine", "train", "--config", str(config_path), "--out", str(root / "run")],
        cwd=ENGINE,
        env={**os.environ, "RESLAB_DATA_DIRS": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    train = [e for e in events if e["type"] == "epoch_metric" and e["split"] == "train"]
    return images / train[-1]["seconds"]


def model_and_optimizer():
    model = create_model("resnet20", in_channels=3, num_classes=10).to(memory_format=LAYOUT)
    return model, torch.optim.SGD(model.parameters(), **SGD)


def train_step(model, optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
    """The engine's step (train.train_step without autocast, a no-op on the CPU)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    loss.item()


def ceiling_images_per_second(images: int) -> float:
    model, optimizer = model_and_optimizer()
    xs = [torch.randn(BATCH, 3, 32, 32).contiguous(memory_format=LAYOUT) for _ in range(8)]
    ys = [torch.randint(0, 10, (BATCH,)) for _ in range(8)]
    for i in range(WARMUP_STEPS):
        train_step(model, optimizer, xs[i % 8], ys[i % 8])
    steps = images // BATCH
    tic = time.perf_counter()
    for i in range(steps):
        train_step(model, optimizer, xs[i % 8], ys[i % 8])
    return steps * BATCH / (time.perf_counter() - tic)


class PerSampleCifar(torch.utils.data.Dataset):
    """The seed's way: augment one image at a time inside __getitem__."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        x = self.images[i].float().div(255)
        x = F.pad(x, (4, 4, 4, 4))
        top, left = torch.randint(0, 9, (2,)).tolist()
        x = x[:, top : top + 32, left : left + 32]
        if torch.rand(()) < 0.5:
            x = x.flip(-1)
        return x, self.labels[i]


def reference_images_per_second(images: int) -> float:
    data = PerSampleCifar(
        torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8), torch.randint(0, 10, (images,))
    )
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=0, drop_last=True)
    model, optimizer = model_and_optimizer()
    for step, (x, y) in enumerate(loader):
        if step == WARMUP_STEPS:
            break
        train_step(model, optimizer, x.contiguous(memory_format=LAYOUT), y)
    tic, seen = time.perf_counter(), 0
    for x, y in loader:
        train_step(model, optimizer, x.contiguous(memory_format=LAYOUT), y)
        seen += len(x)
    return seen / (time.perf_counter() - tic)


def spread(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):8.{digits}f}  [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2560, help="training images per epoch (a multiple of 128)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, after one warm-up round")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}, {args.images} images/epoch, "
        f"{args.rounds} rounds + 1 warm-up, {LAYOUT}; data: FAKE CIFAR-10 (random pixels, real file format)",
        flush=True,
    )
    figures: dict[str, list[float]] = {"engine": [], "ceiling": [], "reference": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_cifar10(root, args.images)
        for round_ in range(args.rounds + 1):
            measured = {
                "engine": engine_images_per_second(root, args.images),
                "ceiling": ceiling_images_per_second(args.images),
                "reference": reference_images_per_second(args.images),
            }
            label = "warm-up" if round_ == 0 else f"round {round_}"
            print(f"{label:8s} " + "  ".join(f"{k} {v:7.1f}" for k, v in measured.items()) + "  images/s", flush=True)
            if round_ > 0:
                for key, value in measured.items():
                    figures[key].append(value)
    per_ceiling = [e / c for e, c in zip(figures["engine"], figures["ceiling"], strict=True)]
    per_reference = [e / r for e, r in zip(figures["engine"], figures["reference"], strict=True)]
    print(f"\nmedian [min-max] of {args.rounds} rounds")
    print(f"engine     {spread(figures['engine'], 1)} images/s   (python -m reslab_engine train, second epoch)")
    print(f"ceiling    {spread(figures['ceiling'], 1)} images/s   (forward+backward+step on in-memory tensors)")
    print(f"reference  {spread(figures['reference'], 1)} images/s   (DataLoader + per-sample augmentation)")
    print(f"engine / ceiling    {spread(per_ceiling, 3)}   (each round's ratio; target >= 0.9)")
    print(f"engine / reference  {spread(per_reference, 3)}   (each round's ratio; target > 1)")


if __name__ == "__main__":
    main()
