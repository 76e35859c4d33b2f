"""The training run: short and flat, to be read beside He et al. 2016 §4.2.

Events go to stdout (events.emit); logs to stderr. Exit codes: 0 finished, 1 diverged or data/runtime error,
2 config error (cli.py), 143 stopped by SIGTERM after checkpointing mid-epoch (resume continues exactly).
"""

import logging
import math
import os
import signal
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from . import checkpoint
from .config import RunConfig
from .data import DataSplits, ImageSet, load_dataset
from .data.batches import eval_batches, normalise, pad_crop_flip
from .errors import ConfigError
from .events import emit
from .metrics import SplitMeter
from .models import create_model
from .optimizer import build_optimizer, build_scheduler

log = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 256  # eval-mode BN does not depend on the batch; 256 measured fastest on CPU
# NHWC: about 15% faster training and 40% faster eval than NCHW for these nets on CPU (measured), as airbench uses.
MEMORY_FORMAT = torch.channels_last
EXIT_STOPPED = 128 + signal.SIGTERM


class StopRequest:
    """SIGTERM sets a flag; the loop finishes the current step, checkpoints, and exits."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        log.warning("SIGTERM: stopping after the current step")
        self.requested = True


def resolve_device(requested: str) -> torch.device:
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but CUDA is not available", "device")
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(requested)


def make_deterministic(seed: int) -> None:
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # required by deterministic cuBLAS
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def train_step(model: nn.Module, optimizer, x: torch.Tensor, y: torch.Tensor, label_smoothing: float):
    """The course's step, in its order."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    logits = model(x)
    loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    loss.backward()
    optimizer.step()
    return logits.detach(), loss.item()


@torch.no_grad()
def evaluate(model: nn.Module, split: ImageSet, data: DataSplits) -> tuple[SplitMeter, float]:
    tic = time.perf_counter()
    model.eval()
    meter = SplitMeter(data.num_classes)
    for x, y in eval_batches(split, EVAL_BATCH_SIZE, data.mean, data.std):
        logits = model(x.contiguous(memory_format=MEMORY_FORMAT))
        meter.update(F.cross_entropy(logits, y, reduction="sum").item(), logits, y)
    return meter, time.perf_counter() - tic


def emit_metric(epoch: int, split: str, meter: SplitMeter, lr: float, seconds: float) -> None:
    summary = meter.summary()
    emit("epoch_metric", epoch=epoch, split=split, **summary, lr=lr, seconds=seconds)
    log.info(
        "epoch %d %s: loss %.4f, accuracy %.4f, macro F1 %.4f (%.1f s)",
        epoch,
        split,
        summary["loss"],
        summary["accuracy"],
        summary["f1"],
        seconds,
    )


def rng_state(generator: torch.Generator) -> dict:
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    return {"torch": torch.get_rng_state(), "cuda": cuda, "data": generator.get_state()}


def restore_rng(state: dict, generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    generator.set_state(state["data"])


def run(config: RunConfig, out_dir: Path, resume_dir: Path | None = None) -> int:
    started = time.perf_counter()
    stop = StopRequest()
    device = resolve_device(config.device)
    make_deterministic(config.seed)
    data = load_dataset(config.data).to(device)
    model = create_model(
        config.model.name,
        in_channels=data.in_channels,
        num_classes=data.num_classes,
        width=config.model.width,
        shortcut=config.model.shortcut,
    ).to(device, memory_format=MEMORY_FORMAT)
    optim = config.optim
    optimizer = build_optimizer(model, optim)
    steps_per_epoch = math.ceil(len(data.train) / optim.batch_size)  # the last, smaller batch is kept
    scheduler = build_scheduler(optimizer, optim, steps_per_epoch * config.epochs)
    generator = torch.Generator().manual_seed(config.seed)  # shuffling and augmentation, saved in checkpoints

    start_epoch, partial = 1, None
    if resume_dir is not None and checkpoint.has_checkpoint(resume_dir):
        saved = checkpoint.load_checkpoint(resume_dir, model)
        if {**saved["config"], "device": None} != {**config.to_json(), "device": None}:
            raise ConfigError(f"--resume {resume_dir}: the checkpoint was written for a different config")
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        restore_rng(saved["rng"], generator)
        start_epoch, partial = saved["epoch"] + 1, saved["partial"]
        log.info("resuming %s after epoch %d, step %d", resume_dir, saved["epoch"], saved["step"])
    elif resume_dir is not None:
        log.warning("--resume %s holds no checkpoint; starting from epoch 1", resume_dir)

    emit(
        "run_started",
        model=config.model.name,
        params=sum(p.numel() for p in model.parameters()),
        device=str(device),
        dataset=config.data.dataset,
        numClasses=data.num_classes,
        sizes={"train": len(data.train), "val": len(data.val), "test": len(data.test)},
        epochs=config.epochs,
        startEpoch=start_epoch,
    )
    log.info(
        "training %s on %s (%s): %d train, %d val, %d test images; epochs %d-%d",
        config.model.name,
        config.data.dataset,
        device,
        len(data.train),
        len(data.val),
        len(data.test),
        start_epoch,
        config.epochs,
    )

    def save(epoch: int, step: int, partial_epoch: dict | None) -> None:
        state = {
            "epoch": epoch,
            "step": step,
            "partial": partial_epoch,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(generator),
            "config": config.to_json(),
        }
        emit("checkpoint", epoch=epoch, path=str(checkpoint.save_checkpoint(out_dir, model, state)))

    for epoch in range(start_epoch, config.epochs + 1):
        meter = SplitMeter(data.num_classes)
        if partial is None:
            order, first_step, seconds = torch.randperm(len(data.train), generator=generator), 0, 0.0
        else:  # resuming inside this epoch: same batch order, same running metrics, no fresh draw
            order, first_step, seconds = partial["order"], partial["step"], partial["seconds"]
            meter.load_state_dict(partial["meter"])
            partial = None
        tic = time.perf_counter()
        for step in range(first_step, steps_per_epoch):
            index = order[step * optim.batch_size : (step + 1) * optim.batch_size].to(device)
            x = normalise(data.train.images[index], data.mean, data.std)
            if config.data.augment:
                x = pad_crop_flip(x, generator)
            x = x.contiguous(memory_format=MEMORY_FORMAT)
            y = data.train.labels[index]
            logits, loss = train_step(model, optimizer, x, y, optim.label_smoothing)
            if not math.isfinite(loss):
                emit("diverged", epoch=epoch, step=step, loss=str(loss))  # "nan" / "inf"
                log.error("loss is %s at epoch %d step %d; stopping", loss, epoch, step)
                return 1
            scheduler.step()
            meter.update(F.cross_entropy(logits, y, reduction="sum").item(), logits, y)
            if stop.requested and step + 1 < steps_per_epoch:
                seconds += time.perf_counter() - tic
                progress = {"order": order, "step": step + 1, "seconds": seconds, "meter": meter.state_dict()}
                save(epoch - 1, step + 1, progress)
                return EXIT_STOPPED
        lr = scheduler.get_last_lr()[0]
        emit_metric(epoch, "train", meter, lr, seconds + time.perf_counter() - tic)
        if len(data.val):
            val_meter, val_seconds = evaluate(model, data.val, data)
            emit_metric(epoch, "val", val_meter, lr, val_seconds)
        save(epoch, 0, None)
        if stop.requested:
            return EXIT_STOPPED

    test_meter, test_seconds = evaluate(model, data.test, data)
    emit_metric(config.epochs, "test", test_meter, scheduler.get_last_lr()[0], test_seconds)
    emit("run_finished", epochs=config.epochs, seconds=time.perf_counter() - started)
    return 0
