"""GPU check: ImageNet ResNet-50 (the engine's `resnet50`) on FAKE 224x224 images with bf16 autocast and
channels_last: images/s through the engine on 1 GPU, and under DDP on all GPUs when there are several, against the
model-only ceiling on one GPU.

1. ceiling  - forward, backward and SGD step of the same model on one batch resident on the GPU (no data path,
              no metrics, no events), bf16 autocast, channels_last; timed with CUDA events after a warm-up.
2. engine   - `python -m reslab_engine train` (1 GPU) as users run it: the image folder decoded once and held as
              uint8 on the device, per-batch normalise and pad-crop-flip, metrics and events. Images/s is the train
              split over its `seconds` in the run's epoch 2 event (epoch 1 is the warm-up).
3. ddp      - `python -m reslab_engine launch --nproc-per-node G -- train` on all G GPUs, the per-GPU batch kept
              (global batch G x --batch), compared with G x the one-GPU ceiling.

The data is FAKE: random smooth images written as JPEG into an ImageFolder tree (train/<class>/, val/<class>/);
throughput does not depend on pixel values. Rounds are interleaved (ceiling, engine, ddp), a first round is
discarded, and the median and min-max of the kept ones are printed. Figures are printed, never asserted.

    .venv/bin/python benchmarks/gpu_resnet50.py [--images 8192] [--batch 256] [--rounds 3]
    .venv/bin/python benchmarks/gpu_resnet50.py --smoke   # CPU, tiny sizes: checks the script, measures nothing
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

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "libs" / "engine"
sys.path.insert(0, str(ENGINE))

from reslab_engine.models import create_model  # noqa: E402 (after the sys.path line)

CLASSES = 10
DATA_NAME = "fake-imagenet"
SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}  # the engine's optim defaults


def write_image_folder(root: Path, train_images: int, val_images: int, size: int) -> None:
    """root/train/<class>/*.jpg and root/val/<class>/*.jpg: low-frequency noise, JPEG-encoded like real photos."""
    rng = np.random.default_rng(0)
    for split, count in (("train", train_images), ("val", val_images)):
        for index in range(count):
            folder = root / split / f"class{index % CLASSES}"
            folder.mkdir(parents=True, exist_ok=True)
            coarse = rng.integers(0, 256, (size // 16 + 1, size // 16 + 1, 3), dtype=np.uint8)
            image = Image.fromarray(coarse).resize((size, size), Image.BILINEAR)
            image.save(folder / f"{index}.jpg", quality=90)


def ceiling(device: torch.device, batch: int, size: int, steps: int, warmup: int, bf16: bool) -> float:
    """Images/s of forward + backward + SGD step on one resident batch: the most the engine could reach."""
    model = create_model("resnet50", in_channels=3, num_classes=CLASSES).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), **SGD)
    x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, CLASSES, (batch,), device=device)
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(steps):
            step()
        end.record()
        torch.cuda.synchronize()
        seconds = start.elapsed_time(end) / 1000
    else:
        tic = time.perf_counter()
        for _ in range(steps):
            step()
        seconds = time.perf_counter() - tic
    return batch * steps / seconds


def engine(folder: Path, name: str, processes: int, batch: int, size: int, val_images: int, device: str) -> float:
    """Images/s of the engine's train split in epoch 2, through `train` (1 process) or `launch` (several)."""
    config = {
        "model": {"arch": "resnet", "depth": 50},
        "data": {
            "dataset": "imagefolder",
            "root": DATA_NAME,
            "valSize": val_images,
            "imageSize": size,
            "augment": True,
        },
        "optim": {"batchSize": batch * processes},
        "epochs": 2,
        "train": {"amp": "bf16" if device == "cuda" else "off", "channelsLast": True},
        "diagnostics": {"gradFlowBatches": 0},
        "resources": {"gpus": processes},
        "device": device,
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(config))
    train = ["train", "--config", str(path), "--out", str(folder / name)]
    command = [sys.executable, "-m", "reslab_engine", *train]
    if processes > 1:
        launch = ["launch", f"--nproc-per-node={processes}", "--"]
        command = [sys.executable, "-m", "reslab_engine", *launch, *train]
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "RESLAB_DATA_DIRS": str(folder)}
    done = subprocess.run(command, cwd=ENGINE, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    started = next(e for e in events if e["type"] == "run_started")
    (second,) = [e for e in events if e["type"] == "epoch_metric" and e["split"] == "train" and e["epoch"] == 2]
    return started["sizes"]["train"] / second["seconds"]


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):9.1f}  (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8192, help="training images in the fake image folder")
    parser.add_argument("--batch", type=int, default=256, help="images per GPU per step")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="timed ceiling steps")
    parser.add_argument("--smoke", action="store_true", help="CPU, 32x32, a few steps: checks the script runs")
    args = parser.parse_args()
    cuda = torch.cuda.is_available() and not args.smoke
    device = torch.device("cuda" if cuda else "cpu")
    gpus = torch.cuda.device_count() if cuda else 2  # the smoke run's DDP: two gloo processes
    size, images, batch, rounds, steps, warmup = 224, args.images, args.batch, args.rounds, args.steps, 5
    if args.smoke:
        size, images, batch, rounds, steps, warmup = 32, 16, 4, 1, 2, 1
    elif not cuda:
        raise SystemExit("no CUDA device: run with --smoke to check the script on the CPU")
    val_images = max(batch, images // 32)
    kept: dict[str, list[float]] = {"ceiling": [], "engine": [], "ddp": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tic = time.perf_counter()
        write_image_folder(folder / DATA_NAME, images + val_images, val_images, size)
        print(
            f"wrote {images + 2 * val_images} FAKE {size}x{size} JPEGs in {time.perf_counter() - tic:.0f} s", flush=True
        )
        for round_ in range(rounds + (0 if args.smoke else 1)):
            figures = {
                "ceiling": ceiling(device, batch, size, steps, warmup, bf16=cuda),
                "engine": engine(folder, f"engine-{round_}", 1, batch, size, val_images, device.type),
            }
            if gpus > 1:
                figures["ddp"] = engine(folder, f"ddp-{round_}", gpus, batch, size, val_images, device.type)
            kept_round = args.smoke or round_ > 0
            label = "kept" if kept_round else "warm-up, discarded"
            print(f"round {round_} ({label}): " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
            if kept_round:
                for name, value in figures.items():
                    kept[name].append(value)
    where = torch.cuda.get_device_name(0) if cuda else "CPU (smoke: tiny sizes, the figures mean nothing)"
    print(
        f"\nResNet-50, {size}x{size} FAKE images, bf16={cuda}, channels_last, {batch} images per GPU per step, {where}"
    )
    print(f"  ceiling (1 GPU, resident batch) {spread(kept['ceiling'])} images/s")
    print(f"  engine  (1 GPU, `train`)         {spread(kept['engine'])} images/s")
    ratio = [e / c for e, c in zip(kept["engine"], kept["ceiling"], strict=True)]
    print(f"  engine / ceiling                 median {statistics.median(ratio):.2f}")
    if kept["ddp"]:
        print(f"  ddp     ({gpus} processes, `launch`) {spread(kept['ddp'])} images/s")
        scaling = [d / (gpus * c) for d, c in zip(kept["ddp"], kept["ceiling"], strict=True)]
        print(f"  ddp / ({gpus} x ceiling)          median {statistics.median(scaling):.2f}")


if __name__ == "__main__":
    main()
