"""The training run: short and flat, to be read beside He et al. 2016 §4.2.

Each epoch: train, evaluate on val, measure the gradient flow (diagnostics.py, also at epoch 0) and, if asked, the
curvature (hessian.py), checkpoint; the test split once at the end. Events go to stdout (events.emit); logs to stderr.
Exit codes: 0 finished, 1 diverged or data/runtime error, 2 config error (cli.py), 143 stopped by SIGTERM
after checkpointing mid-epoch (resume continues exactly).
"""

import logging
import math
import signal
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from . import checkpoint, hessian
from .config import DiagnosticsConfig, RunConfig, written_for
from .data import DataSplits, ImageSet, load_dataset
from .data.batches import eval_batches, normalise, pad_crop_flip
from .diagnostics import fixed_batches, gradient_flow
from .errors import ConfigError
from .events import emit
from .metrics import SplitMeter
from .models import create_model
from .optimizer import build_optimizer, build_scheduler
from .runtime import autocast, compile_model, make_deterministic, memory_format, resolve_device, restore_rng, rng_state

log = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 256  # eval-mode BN does not depend on the batch; 256 measured fastest on CPU
EXIT_STOPPED = 128 + signal.SIGTERM
# The per-epoch curvature diagnostic (diagnostics.curvatureEvery): at most 28 Hessian-vector products per epoch.
CURVATURE_ITERATIONS, CURVATURE_TOLERANCE, CURVATURE_PROBES = 20, 1e-3, 8


class StopRequest:
    """SIGTERM sets a flag; the loop finishes the current step, checkpoints, and exits.

    SIGINT does the same: Ctrl-C in the terminal that runs `make demo` reaches the whole process group, engines
    included, and a checkpoint is worth more than a KeyboardInterrupt traceback."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame) -> None:
        log.warning("%s: stopping after the current step", signal.Signals(signum).name)
        self.requested = True


def train_step(model: nn.Module, optimizer, x: torch.Tensor, y: torch.Tensor, label_smoothing: float, amp):
    """One SGD step: zero the gradients, forward and loss, backward, update. `amp()` is the autocast context (or a
    no-op) for forward and loss."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    with amp():
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    loss.backward()
    optimizer.step()
    return logits.detach().float(), loss.item()


@torch.no_grad()
def evaluate(net: nn.Module, split: ImageSet, data: DataSplits, layout, amp) -> tuple[SplitMeter, float]:
    tic = time.perf_counter()
    net.eval()
    meter = SplitMeter(data.num_classes)
    for x, y in eval_batches(split, EVAL_BATCH_SIZE, data.mean, data.std):
        with amp():
            logits = net(x.contiguous(memory_format=layout)).float()
        meter.update(F.cross_entropy(logits, y, reduction="sum").item(), logits, y)
    return meter, time.perf_counter() - tic


def emit_metric(epoch: int, split: str, meter: SplitMeter, lr: float, seconds: float) -> dict:
    summary = meter.summary()
    event = emit("epoch_metric", epoch=epoch, split=split, **summary, lr=lr, seconds=seconds)
    log.info(
        "epoch %d %s: loss %.4f, accuracy %.4f, macro F1 %.4f (%.1f s)",
        epoch,
        split,
        summary["loss"],
        summary["accuracy"],
        summary["f1"],
        seconds,
    )
    return event


def emit_grad_flow(epoch: int, model: nn.Module, batches: list, label_smoothing: float) -> dict | None:
    if not batches:  # diagnostics.gradFlowBatches = 0
        return None
    blocks = gradient_flow(model, batches, label_smoothing)
    if not all(math.isfinite(value) for block in blocks for value in block.values() if not isinstance(value, str)):
        log.warning("epoch %d: non-finite gradient or activation norms; no grad_flow event", epoch)
        return None
    event = emit("grad_flow", epoch=epoch, batches=len(batches), blocks=blocks)
    first, last = blocks[0], blocks[-1]
    log.info(
        "epoch %d gradient flow: input-gradient norm %.3g at %s, %.3g at %s",
        epoch,
        first["inputGradNorm"],
        first["name"],
        last["inputGradNorm"],
        last["name"],
    )
    return event


def emit_curvature(
    epoch: int, model: nn.Module, batches: list, diagnostics: DiagnosticsConfig, seed: int
) -> dict | None:
    """The Hessian's top eigenvalue and trace on the fixed curvature images, at epoch 0 and every
    `curvatureEvery` epochs (hessian.py). Train-mode BatchNorm, as SGD sees the net, with the running statistics
    restored; a generator of its own, reseeded each time, so every epoch uses the same start vector and probes and
    the training RNG is not consumed."""
    if diagnostics.curvature_every == 0 or epoch % diagnostics.curvature_every or not batches:
        return None
    ((x, y),) = batches
    with hessian.batch_statistics(model):
        generator = torch.Generator().manual_seed(seed)
        result = hessian.batch_curvature(
            model, x, y, CURVATURE_ITERATIONS, CURVATURE_TOLERANCE, CURVATURE_PROBES, generator
        )
    if not (math.isfinite(result.top_eigenvalue) and math.isfinite(result.trace) and math.isfinite(result.trace_std)):
        log.warning("epoch %d: non-finite curvature; no curvature event", epoch)
        return None
    log.info("epoch %d curvature: top eigenvalue %.4g, trace %.4g", epoch, result.top_eigenvalue, result.trace)
    return emit(
        "curvature",
        epoch=epoch,
        topEigenvalue=result.top_eigenvalue,
        trace=result.trace,
        traceStd=result.trace_std,
        images=len(y),
        iterations=result.iterations,
        converged=result.converged,
        probes=result.probes,
    )


def build_model(config: RunConfig, data: DataSplits) -> nn.Module:
    """The run's net, untrained, for its data set's channels and classes: what training starts from and what an
    analysis loads the run's checkpoint into."""
    if config.model.num_classes is not None and config.model.num_classes != data.num_classes:
        raise ConfigError(
            f"model.numClasses is {config.model.num_classes} but {config.data.dataset} has {data.num_classes} classes",
            "model.numClasses",
        )
    return create_model(
        config.model.name,
        in_channels=data.in_channels,
        num_classes=data.num_classes,
        width=config.model.width,
        shortcut=config.model.shortcut,
        zero_init_residual=config.model.zero_init_residual,
        bn_momentum=config.model.bn_momentum,
    )


def run(config: RunConfig, out_dir: Path, resume_dirs: list[Path] | Path | None = None) -> int:
    started = time.perf_counter()
    stop = StopRequest()
    device = resolve_device(config.device)
    amp, layout = autocast(config, device), memory_format(config)
    make_deterministic(config.seed, device)
    data = load_dataset(config.data).to(device)
    model = build_model(config, data).to(device, memory_format=layout)
    net = compile_model(model, config, device)
    optim = config.optim
    optimizer = build_optimizer(model, optim)
    steps_per_epoch = math.ceil(len(data.train) / optim.batch_size)  # the last, smaller batch is kept
    scheduler = build_scheduler(optimizer, optim, steps_per_epoch * config.epochs)
    generator = torch.Generator().manual_seed(config.seed)  # shuffling and augmentation, saved in checkpoints
    flow_batches = fixed_batches(data, config.diagnostics.grad_flow_batches, optim.batch_size, config.seed)
    curvature_batches = fixed_batches(data, 1, config.diagnostics.curvature_images, config.seed)

    # Every epoch event emitted so far, kept in the checkpoint and emitted again on resume: a reader that
    # missed them (a worker whose lease ran out while its engine went on) still gets every epoch; the
    # platform stores them as upserts on (run, epoch, split), so a repeat costs nothing.
    start_epoch, partial, history = 1, None, []
    candidates = [resume_dirs] if isinstance(resume_dirs, Path) else list(resume_dirs or [])
    resume_dir = checkpoint.newest(candidates)
    if resume_dir is not None:
        saved = checkpoint.load_checkpoint(resume_dir, model)
        if not written_for(saved["config"], config):
            raise ConfigError(f"--resume {resume_dir}: the checkpoint was written for a different config")
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        restore_rng(saved["rng"], generator)
        start_epoch, partial, history = saved["epoch"] + 1, saved["partial"], list(saved.get("history", []))
        log.info("resuming %s after epoch %d, step %d", resume_dir, saved["epoch"], saved["step"])
    elif candidates:
        log.warning("--resume %s: no complete checkpoint; starting from epoch 1", " ".join(map(str, candidates)))

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
        **({"skippedImages": data.skipped_images} if data.skipped_images else {}),
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

    for past in history:
        emit(past["type"], **{key: value for key, value in past.items() if key not in ("v", "time", "type")})

    def record(event: dict | None) -> None:
        if event is not None:
            history.append(event)

    if start_epoch == 1 and partial is None:
        record(emit_grad_flow(0, model, flow_batches, optim.label_smoothing))  # the network at initialisation
        record(emit_curvature(0, model, curvature_batches, config.diagnostics, config.seed))

    def save(epoch: int, step: int, partial_epoch: dict | None) -> None:
        state = {
            "epoch": epoch,
            "step": step,
            "partial": partial_epoch,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(generator),
            "config": config.to_json(),
            "history": history,
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
            x = x.contiguous(memory_format=layout)
            y = data.train.labels[index]
            logits, loss = train_step(net, optimizer, x, y, optim.label_smoothing, amp)
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
        record(emit_metric(epoch, "train", meter, lr, seconds + time.perf_counter() - tic))
        if len(data.val):
            val_meter, val_seconds = evaluate(net, data.val, data, layout, amp)
            record(emit_metric(epoch, "val", val_meter, lr, val_seconds))
        record(emit_grad_flow(epoch, model, flow_batches, optim.label_smoothing))
        record(emit_curvature(epoch, model, curvature_batches, config.diagnostics, config.seed))
        save(epoch, 0, None)
        if stop.requested:
            return EXIT_STOPPED

    test_meter, test_seconds = evaluate(net, data.test, data, layout, amp)
    emit_metric(config.epochs, "test", test_meter, scheduler.get_last_lr()[0], test_seconds)
    emit("run_finished", epochs=config.epochs, seconds=time.perf_counter() - started)
    return 0
