"""CPU training throughput of CIFAR ResNet-20 (32x32, batch 128): three figures from one run.

1. engine   - the engine's own training loop (`python -m reslab_engine train`), data pipeline, augmentation,
              metric accumulation and events included: train images / the train split's seconds.
2. ceiling  - the same model's forward, backward and SGD step on batches already in memory, nothing else.
3. reference - a seed-style loop: torch.utils.data.DataLoader over a Dataset that augments one image at a
              time (pad-4 random crop + horizontal flip per sample), as in the course's code.

The data is a CIFAR-10 release written in its real pickle format with random pixels (CIFAR-10 cannot be
downloaded here); throughput does not depend on pixel values. Figures are printed, never asserted:
these machines are shared, so only the ratios measured in the same run mean much.

    .venv/bin/python benchmarks/engine_throughput.py [--images 5120] [--threads N]
"""

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs" / "engine"))

from reslab_engine.models.registry import create_model  # noqa: E402 (after the sys.path line)

BATCH = 128


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
        pickle.dump(batch(1000), f, protocol=2)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [f"c{i}".encode() for i in range(10)]}, f, protocol=2)
    return folder


def engine_images_per_second(root: Path, images: int, epochs: int) -> tuple[float, dict]:
    config = {
        "model": {"arch": "resnet", "depth": 20},
        # data.root names a folder under the engine's RESLAB_DATA_DIRS (set below), as a worker passes it.
        "data": {"dataset": "cifar10", "root": ".", "valSize": 0, "testSubset": 1000, "augment": True},
        "optim": {"lr": 0.1, "batchSize": BATCH},
        "epochs": epochs,
        "diagnostics": {"gradFlowBatches": 0},
    }
    config_path = root / "run.json"
    config_path.write_text(json.dumps(config))
    out = subprocess.run(
        [sys.executable, "-m", "reslab_engine", "train", "--config", str(config_path), "--out", str(root / "run")],
        cwd=ROOT / "libs" / "engine",
        env={**os.environ, "RESLAB_DATA_DIRS": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    train = [e for e in events if e["type"] == "epoch_metric" and e["split"] == "train"]
    # The first epoch pays one-off costs (allocator warm-up); report the last one.
    last = train[-1]
    return images / last["seconds"], {"epochs": len(train), "seconds": [round(e["seconds"], 2) for e in train]}


def ceiling_images_per_second(images: int) -> float:
    torch.manual_seed(0)
    model = create_model("resnet20", in_channels=3, num_classes=10).to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    steps = images // BATCH
    xs = [torch.randn(BATCH, 3, 32, 32).contiguous(memory_format=torch.channels_last) for _ in range(8)]
    ys = [torch.randint(0, 10, (BATCH,)) for _ in range(8)]
    model.train()

    def step(i: int) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[i % 8]), ys[i % 8])
        loss.backward()
        optimizer.step()

    for i in range(5):  # warm-up
        step(i)
    tic = time.perf_counter()
    for i in range(steps):
        step(i)
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
    torch.manual_seed(0)
    data = PerSampleCifar(
        torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8), torch.randint(0, 10, (images,))
    )
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=0, drop_last=True)
    model = create_model("resnet20", in_channels=3, num_classes=10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    tic, seen = time.perf_counter(), 0
    for x, y in loader:  # the course's train_step
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        seen += len(x)
    return seen / (time.perf_counter() - tic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5120, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}, {args.images} images/epoch")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_cifar10(root, args.images)
        engine, detail = engine_images_per_second(root, args.images, args.epochs)
    ceiling = ceiling_images_per_second(args.images)
    reference = reference_images_per_second(args.images)
    print(f"engine     {engine:8.1f} images/s   (train seconds per epoch: {detail['seconds']})")
    print(f"ceiling    {ceiling:8.1f} images/s   (forward+backward+step on in-memory tensors)")
    print(f"reference  {reference:8.1f} images/s   (DataLoader + per-sample augmentation)")
    print(f"engine / ceiling   = {engine / ceiling:.3f}   (target >= 0.9)")
    print(f"engine / reference = {engine / reference:.3f}   (target > 1)")


if __name__ == "__main__":
    main()
