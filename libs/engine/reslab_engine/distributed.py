"""Data-parallel training under torchrun (torch.distributed.run): the process group, each rank's share of a batch,
BatchNorm synchronised across ranks, and the all-reduces that make metrics and the stop decision global.

`optim.batchSize` is the GLOBAL batch. Every rank draws the same shuffle and the same augmentation from the same
seeded generator, for the whole global batch, and keeps its contiguous share: rank r of W takes ceil or floor of
B/W images, the first B mod W ranks one more (`share`). The last, smaller batch of an epoch is split the same way.
So a W-process run sees exactly the images and crops a 1-process run sees, step by step; what differs is plain
BatchNorm, which normalises each share by its own statistics (train.syncBatchNorm makes them global).

A world of one (no torchrun, no WORLD_SIZE) is ONE_PROCESS: no process group and no collective at all.
"""

import datetime
import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_functional
import torch.nn.functional as F
from torch import nn

from .config import RunConfig
from .errors import ConfigError
from .metrics import SplitMeter

log = logging.getLogger(__name__)

# Guards a peer that hangs without dying (a dead one closes its sockets, and torchrun tears the others down). It must
# outlast what rank 0 does alone while the others wait at the next collective: the diagnostics and a checkpoint.
COLLECTIVE_TIMEOUT = datetime.timedelta(minutes=30)


def share(count: int, rank: int, world_size: int) -> slice:
    """Rank `rank`'s contiguous part of `count` items: sizes differ by at most one, the first count % world_size
    ranks taking the larger."""
    base, extra = divmod(count, world_size)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (1 if rank < extra else 0))


@dataclass(frozen=True)
class Replicas:
    """This process's place among the training processes. Rank 0 alone emits events and writes checkpoints."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def share(self, count: int) -> slice:
        return share(count, self.rank, self.world_size)


ONE_PROCESS = Replicas(rank=0, world_size=1, local_rank=0)


def join(config: RunConfig, device: torch.device) -> tuple[Replicas, torch.device]:
    """Read torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) and join the process group:
    nccl on CUDA (each rank on cuda:LOCAL_RANK), gloo on the CPU. Returns the rank's device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if config.resources.world_size != world_size:
        raise ConfigError(
            f"resources asks for {config.resources.gpus} process(es) on each of {config.resources.nodes} node(s) "
            f"({config.resources.world_size} in all) but this engine runs with WORLD_SIZE {world_size}; "
            "start it with `python -m reslab_engine launch`",
            "resources",
        )
    if world_size == 1:
        return ONE_PROCESS, device
    replicas = Replicas(int(os.environ["RANK"]), world_size, int(os.environ["LOCAL_RANK"]))
    if device.type == "cuda":
        device = torch.device("cuda", replicas.local_rank)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend, timeout=COLLECTIVE_TIMEOUT, device_id=device if device.type == "cuda" else None)
    log.info("rank %d of %d on %s (%s), pid %d", replicas.rank, world_size, device, backend, os.getpid())
    return replicas, device


def check_shares(replicas: Replicas, images: int, batch_size: int) -> None:
    """Every rank needs at least one image of every batch, the epoch's last, smaller one included: an empty share
    has no BatchNorm statistics."""
    smallest = min(batch_size, images % batch_size or batch_size)
    if smallest < replicas.world_size:
        raise ConfigError(
            f"optim.batchSize {batch_size} over {images} training images gives a batch of {smallest} image(s), "
            f"fewer than the {replicas.world_size} processes: each needs at least one",
            "optim.batchSize",
        )


def leave(replicas: Replicas) -> None:
    if replicas.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(replicas: Replicas) -> None:
    if replicas.distributed:
        dist.barrier()


def agree(replicas: Replicas, device: torch.device, stop: bool, loss: float = 0.0) -> tuple[bool, float]:
    """Whether any rank was asked to stop, and the global batch's mean loss (non-finite if any rank's is), from
    one all-reduce of two numbers: every rank stops, or gives up on a diverged loss, after the same step."""
    if not replicas.distributed:
        return stop, loss
    values = torch.tensor([float(stop), loss], dtype=torch.float64, device=device)
    dist.all_reduce(values)
    # Each rank's loss is its share's sum scaled by W / B (share_loss): their sum over W is the batch mean.
    return bool(values[0] > 0), float(values[1]) / replicas.world_size


def reduce_meter(replicas: Replicas, meter: SplitMeter, device: torch.device) -> SplitMeter:
    """The meter over every rank's examples: loss sums, counts, top-5 hits and the confusion matrix summed, so
    loss, accuracy, precision, recall and F1 are exact over the whole split. float64 for the loss sum: the
    1-process run adds the same terms in float64 (Python floats)."""
    if not replicas.distributed:
        return meter
    scalars = torch.tensor([meter.loss_sum, meter.count, meter.top5_correct], dtype=torch.float64, device=device)
    matrix = meter.matrix.to(device)
    dist.all_reduce(scalars)
    dist.all_reduce(matrix)
    total = SplitMeter(meter.num_classes)
    loss_sum, count, top5 = scalars.tolist()
    total.loss_sum, total.count, total.top5_correct, total.matrix = loss_sum, int(count), int(top5), matrix.cpu()
    return total


def broadcast_buffers(replicas: Replicas, model: nn.Module) -> None:
    """Rank 0's BatchNorm running statistics on every rank. DDP broadcasts them before each training forward, but
    after an epoch's last step each rank holds its own; evaluation and checkpoints use rank 0's."""
    if replicas.distributed:
        for buffer in model.buffers():
            dist.broadcast(buffer, 0)


class GlooSyncBatchNorm(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are the mean and variance over every rank's share, for CPU tensors:
    torch.nn.SyncBatchNorm refuses anything but GPU input. Autograd-aware all-reduces of per-channel sums
    (torch.distributed.nn.functional.all_reduce), so the backward pass is global too. `process_group` as in
    SyncBatchNorm; a group of one rank makes it plain BatchNorm (`local_statistics`)."""

    process_group = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        group = self.process_group or dist.group.WORLD
        if not (self.training and dist.is_initialized() and dist.get_world_size(group) > 1):
            return super().forward(x)
        channels, dims = x.shape[1], (0, 2, 3)
        # Two passes, as BatchNorm's own kernels: the variance from squared deviations about the global mean, not
        # E[x^2] - E[x]^2, which cancels badly in float32 when the mean is large against the spread.
        local = torch.cat([x.sum(dim=dims), x.new_tensor([x.numel() / channels])])
        total = dist_functional.all_reduce(local, group=group)
        count = total[-1]
        mean = total[:channels] / count
        squares = dist_functional.all_reduce((x - mean.view(1, -1, 1, 1)).square().sum(dim=dims), group=group)
        var = squares / count  # biased, as BatchNorm normalises
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked += 1
                momentum = 1 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.lerp_(mean.detach(), momentum)
                self.running_var.lerp_(var.detach() * count / (count - 1).clamp_min(1), momentum)  # unbiased
        shape = (1, channels, 1, 1)
        scale = torch.rsqrt(var + self.eps).view(shape)
        y = (x - mean.view(shape)) * scale
        return y * self.weight.view(shape) + self.bias.view(shape) if self.affine else y


def _to_gloo_sync(module: nn.Module) -> nn.Module:
    """convert_sync_batchnorm's walk, for GlooSyncBatchNorm: the new layers share the old ones' parameters and
    buffers, so the state_dict keys and tensors stay those of the plain net."""
    if isinstance(module, nn.BatchNorm2d):
        synced = GlooSyncBatchNorm(
            module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats
        )
        synced.weight, synced.bias = module.weight, module.bias
        synced.running_mean, synced.running_var = module.running_mean, module.running_var
        synced.num_batches_tracked = module.num_batches_tracked
        synced.train(module.training)
        return synced
    for name, child in module.named_children():
        module.add_module(name, _to_gloo_sync(child))
    return module


def sync_batch_norm(model: nn.Module, device: torch.device) -> nn.Module:
    """train.syncBatchNorm: torch's SyncBatchNorm on CUDA, GlooSyncBatchNorm on the CPU. Both keep BatchNorm's
    state_dict keys, so a checkpoint loads into a plain net (a single-process run, an analysis)."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return _to_gloo_sync(model)


class local_statistics:  # noqa: N801 (a context manager, named for what holds inside it)
    """Inside: synchronised BatchNorm layers use only this rank's batch, with no collective, so rank 0 alone can
    run the diagnostics (gradient flow, curvature's double backward) on the module while other ranks wait.
    `solo` is a process group of rank 0 alone, made by every rank at start (new_group is collective)."""

    def __init__(self, model: nn.Module, solo):
        self.layers = [m for m in model.modules() if isinstance(m, (nn.SyncBatchNorm, GlooSyncBatchNorm))]
        self.solo = solo

    def __enter__(self):
        self.saved = [layer.process_group for layer in self.layers]
        for layer in self.layers:
            layer.process_group = self.solo

    def __exit__(self, *exc):
        for layer, group in zip(self.layers, self.saved, strict=True):
            layer.process_group = group


def solo_group(replicas: Replicas):
    """A process group of rank 0 alone (None without a process group); every rank must call it."""
    return dist.new_group([0]) if replicas.distributed else None


def share_loss(logits: torch.Tensor, y: torch.Tensor, label_smoothing: float, global_batch: int, world_size: int):
    """This rank's term of the global batch's mean loss, scaled for DDP: DDP averages the ranks' gradients (divides
    their sum by W), so each rank backpropagates W / B times its summed loss, and the averaged gradient is that of
    the mean over all B images, whatever the shares' sizes. With W = 1 it is the plain mean."""
    if world_size == 1:
        return F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    return F.cross_entropy(logits, y, label_smoothing=label_smoothing, reduction="sum") * (world_size / global_batch)
