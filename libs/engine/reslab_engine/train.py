"""The training run: short and flat, to be read beside He et al. 2016 §4.2.

Each epoch: train, evaluate on val, measure the gradient flow (diagnostics.py, also at epoch 0) and, if asked, the
curvature (hessian.py), checkpoint; the test split once at the end. Events go to stdout (events.emit); logs to stderr.
Exit codes: 0 finished, 1 diverged or data/runtime error, 2 config error (cli.py), 143 stopped by SIGTERM
after checkpointing mid-epoch (resume continues exactly).

Under torchrun (launch.py) each of W processes trains on its share of every global batch (distributed.py): DDP
averages the gradients, evaluation and the training meter are all-reduced, rank 0 alone emits and checkpoints.
"""

import logging
import math
import signal
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from . import checkpoint, distributed, hessian
from .config import DiagnosticsConfig, RunConfig, written_for
from .data import DataSplits, ImageSet, load_dataset
from .data.batches import crop_flip_draws, eval_batches, normalise, pad_crop_flip
from .diagnostics import fixed_batches, gradient_flow
from .distributed import Replicas
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


def train_step(
    model: nn.Module,
    optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    label_smoothing: float,
    amp,
    global_batch: int | None = None,
    world_size: int = 1,
):
    """One SGD step: zero the gradients, forward and loss, backward, update. `amp()` is the autocast context (or a
    no-op) for forward and loss. Under DDP, x is this rank's share of a global batch of `global_batch` images
    (distributed.share_loss)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    with amp():
        logits = model(x)
        loss = distributed.share_loss(logits, y, label_smoothing, global_batch or len(y), world_size)
    loss.backward()
    optimizer.step()
    return logits.detach().float(), loss.item()


@torch.no_grad()
def evaluate(
    net: nn.Module, split: ImageSet, data: DataSplits, layout, amp, replicas: Replicas = distributed.ONE_PROCESS
) -> tuple[SplitMeter, float]:
    """The split's meter. Under DDP each rank evaluates its share of the split (on the unwrapped net: eval-mode
    BatchNorm needs no collective) and the meters are summed."""
    tic = time.perf_counter()
    net.eval()
    meter = SplitMeter(data.num_classes)
    part = replicas.share(len(split))
    for x, y in eval_batches(ImageSet(split.images[part], split.labels[part]), EVAL_BATCH_SIZE, data.mean, data.std):
        with amp():
            logits = net(x.contiguous(memory_format=layout)).float()
        meter.update(F.cross_entropy(logits, y, reduction="sum").item(), logits, y)
    return distributed.reduce_meter(replicas, meter, split.labels.device), time.perf_counter() - tic


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


def load_data(config: RunConfig, replicas: Replicas) -> DataSplits:
    """Every rank holds the whole data set (each draws its share by index). A download happens once per node:
    local rank 0 fetches while the node's other ranks wait at a barrier, then read the files it wrote."""
    first = replicas.local_rank == 0
    if config.data.download and not first:
        distributed.barrier(replicas)
    data = load_dataset(config.data)
    if config.data.download and first:
        distributed.barrier(replicas)
    return data


def run(config: RunConfig, out_dir: Path, resume_dirs: list[Path] | Path | None = None) -> int:
    started = time.perf_counter()
    stop = StopRequest()
    replicas, device = distributed.join(config, resolve_device(config.device))
    try:
        return train(config, out_dir, resume_dirs, replicas, device, stop, started)
    finally:
        distributed.leave(replicas)


def train(
    config: RunConfig,
    out_dir: Path,
    resume_dirs: list[Path] | Path | None,
    replicas: Replicas,
    device: torch.device,
    stop: StopRequest,
    started: float,
) -> int:
    amp, layout = autocast(config, device), memory_format(config)
    make_deterministic(config.seed, device)
    data = load_data(config, replicas).to(device)
    distributed.check_shares(replicas, len(data.train), config.optim.batch_size)
    model = build_model(config, data).to(device, memory_format=layout)
    if config.train.sync_batch_norm and replicas.distributed:  # with one process, BatchNorm is already global
        model = distributed.sync_batch_norm(model, device)
    solo = distributed.solo_group(replicas)
    net = compile_model(model, config, device)  # evaluation; training under DDP goes through the wrapper below
    optim = config.optim
    optimizer = build_optimizer(model, optim)
    steps_per_epoch = math.ceil(len(data.train) / optim.batch_size)  # the last, smaller batch is kept
    scheduler = build_scheduler(optimizer, optim, steps_per_epoch * config.epochs)
    generator = torch.Generator().manual_seed(config.seed)  # shuffling and augmentation, saved in checkpoints
    # The diagnostics run on rank 0 alone: the other ranks get no batches, so they measure nothing.
    flow_batches, curvature_batches = [], []
    if replicas.leader:
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
    trainer = net
    if replicas.distributed:  # after loading: DDP broadcasts rank 0's weights and buffers when it wraps
        ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        trainer = compile_model(ddp, config, device)

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
        worldSize=replicas.world_size,
        **({"skippedImages": data.skipped_images} if data.skipped_images else {}),
        **({"classNames": data.class_names} if data.class_names else {}),
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

    def diagnose(epoch: int) -> None:
        with distributed.local_statistics(model, solo):  # synchronised BatchNorm must not wait for other ranks
            record(emit_grad_flow(epoch, model, flow_batches, optim.label_smoothing))
            record(emit_curvature(epoch, model, curvature_batches, config.diagnostics, config.seed))

    if start_epoch == 1 and partial is None:
        diagnose(0)  # the network at initialisation

    def save(epoch: int, step: int, partial_epoch: dict | None) -> None:
        if not replicas.leader:  # every rank holds the same weights, optimizer and RNG state under DDP
            return
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
            if replicas.leader:  # the saved meter is the all-reduced one: one rank holds it, the others add to it
                meter.load_state_dict(partial["meter"])
            partial = None
        tic = time.perf_counter()
        for step in range(first_step, steps_per_epoch):
            batch = order[step * optim.batch_size : (step + 1) * optim.batch_size]
            part = replicas.share(len(batch))
            draws = crop_flip_draws(len(batch), generator) if config.data.augment else None  # for the global batch
            index = batch[part].to(device)
            x = normalise(data.train.images[index], data.mean, data.std)
            if draws is not None:
                x = pad_crop_flip(x, generator, tuple(draw[part] for draw in draws))
            x = x.contiguous(memory_format=layout)
            y = data.train.labels[index]
            logits, loss = train_step(
                trainer, optimizer, x, y, optim.label_smoothing, amp, len(batch), replicas.world_size
            )
            stopping, loss = distributed.agree(replicas, device, stop.requested, loss)
            if not math.isfinite(loss):
                emit("diverged", epoch=epoch, step=step, loss=str(loss))  # "nan" / "inf"
                log.error("loss is %s at epoch %d step %d; stopping", loss, epoch, step)
                return 1
            scheduler.step()
            meter.update(F.cross_entropy(logits, y, reduction="sum").item(), logits, y)
            if stopping and step + 1 < steps_per_epoch:
                seconds += time.perf_counter() - tic
                total = distributed.reduce_meter(replicas, meter, device)
                progress = {"order": order, "step": step + 1, "seconds": seconds, "meter": total.state_dict()}
                save(epoch - 1, step + 1, progress)
                distributed.barrier(replicas)  # no rank exits before rank 0 has written the checkpoint
                return EXIT_STOPPED
        lr = scheduler.get_last_lr()[0]
        meter = distributed.reduce_meter(replicas, meter, device)
        record(emit_metric(epoch, "train", meter, lr, seconds + time.perf_counter() - tic))
        distributed.broadcast_buffers(replicas, model)
        if len(data.val):
            val_meter, val_seconds = evaluate(net, data.val, data, layout, amp, replicas)
            record(emit_metric(epoch, "val", val_meter, lr, val_seconds))
        diagnose(epoch)
        save(epoch, 0, None)
        if distributed.agree(replicas, device, stop.requested)[0]:  # after rank 0's save: it waits for that too
            return EXIT_STOPPED

    test_meter, test_seconds = evaluate(net, data.test, data, layout, amp, replicas)
    emit_metric(config.epochs, "test", test_meter, scheduler.get_last_lr()[0], test_seconds)
    emit("run_finished", epochs=config.epochs, seconds=time.perf_counter() - started)
    return 0
