"""Runs one analysis job: config and checkpoint in; `analysis_*` events and `parts.jsonl` out.

An analysis is cut into units, each one part of the result (a deleted block, a row of the landscape grid, ...).
Each finished part is appended to `<out>/parts.jsonl` (fsynced) and emitted as an `analysis_part` event. A job
resumed with `--resume DIR ...` re-emits the parts those folders hold and computes only the rest, so an analysis
is resumable like a run and a finished part is never computed twice. SIGTERM stops it between units (exit 143).
"""

import importlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from .. import checkpoint
from ..config import written_for
from ..data import DataSplits, ImageSet, load_dataset
from ..errors import ConfigError, DataError
from ..events import emit
from ..models import create_model
from ..runtime import resolve_device
from ..train import EXIT_STOPPED, StopRequest, build_model
from .job import AnalysisJob

log = logging.getLogger(__name__)

PARTS_FILE = "parts.jsonl"
# Kinds that need trained weights; `cost` counts parameters and MACs of the architecture alone.
NEEDS_CHECKPOINT = {"lesion", "landscape", "curvature"}


@dataclass
class AnalysisContext:
    """What every analysis gets: the trained net (eval mode, on `device`), its data, and the job."""

    job: AnalysisJob
    model: nn.Module
    data: DataSplits
    device: torch.device

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    def split(self, name: str, images: int) -> ImageSet:
        """The first `images` images of a split (all of them if it is smaller): the same images for every net."""
        subset = getattr(self.data, name)
        if len(subset) == 0:
            raise ConfigError(f"the run's {name} split is empty; choose another split", "analysis.params.split")
        count = min(images, len(subset))
        return ImageSet(subset.images[:count], subset.labels[:count])

    def rebuild(self, name: str | None = None) -> nn.Module:
        """A fresh, untrained net of the run's config (or of registry name `name` at the run's width)."""
        model = self.job.run.model
        return create_model(
            name or model.name,
            in_channels=self.data.in_channels,
            num_classes=self.data.num_classes,
            width=model.width,
            shortcut=model.shortcut,
            zero_init_residual=False,
            bn_momentum=model.bn_momentum,
        ).to(self.device)


class Analysis(Protocol):
    def units(self) -> list[str]:
        """The part names this chunk produces, in the order they are computed (PartName: [A-Za-z0-9_.:-])."""

    def compute(self, unit: str, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """One part's data: an AnalysisPartData object (a `section` and its fields). `parts` holds every part of
        this chunk finished before it, whether in this process or an earlier attempt (a summary unit reads them)."""


def _builder(kind: str) -> Callable[[AnalysisContext], Analysis]:
    return importlib.import_module(f".{kind}", __package__).build


def _done_parts(directories: list[Path]) -> dict[str, dict[str, Any]]:
    """Parts earlier attempts wrote; a torn last line (a crash mid-write) is ignored."""
    done: dict[str, dict[str, Any]] = {}
    for directory in directories:
        path = directory / PARTS_FILE
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[record["part"]] = record["data"]
    return done


def _append(path: Path, part: str, data: dict[str, Any]) -> None:
    with open(path, "a") as handle:
        handle.write(json.dumps({"part": part, "data": data}, allow_nan=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def load_context(job: AnalysisJob, checkpoint_dir: Path | None) -> AnalysisContext:
    config = job.run
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    data = load_dataset(config.data).to(device)
    model = build_model(config, data)
    if job.kind in NEEDS_CHECKPOINT:
        if checkpoint_dir is None or checkpoint.progress(checkpoint_dir) is None:
            raise DataError(f"--checkpoint {checkpoint_dir}: no complete checkpoint of the analysed run", "checkpoint")
        saved = checkpoint.load_checkpoint(checkpoint_dir, model)
        if not written_for(saved["config"], config):
            raise ConfigError(f"--checkpoint {checkpoint_dir} was written for a different run config", "run")
        if saved["step"] != 0 or saved["epoch"] != config.epochs:
            log.warning("checkpoint is at epoch %d step %d of %d epochs", saved["epoch"], saved["step"], config.epochs)
    model.to(device).eval()
    return AnalysisContext(job, model, data, device)


def run(job: AnalysisJob, checkpoint_dir: Path | None, out_dir: Path, resume_dirs: list[Path] | None = None) -> int:
    started = time.perf_counter()
    stop = StopRequest()
    out_dir.mkdir(parents=True, exist_ok=True)
    context = load_context(job, checkpoint_dir)
    analysis = _builder(job.kind)(context)
    units = analysis.units()
    here = _done_parts([out_dir])
    done = {**_done_parts(resume_dirs or []), **here}  # this folder's own parts win, as the latest written
    finished = [unit for unit in units if unit in done]
    emit("analysis_started", kind=job.kind, units=len(units), done=len(finished), device=str(context.device))
    log.info(
        "%s, chunk %d of %d: %d units, %d already done",
        job.kind,
        job.chunk_index + 1,
        job.chunk_count,
        len(units),
        len(finished),
    )
    parts_path = out_dir / PARTS_FILE
    for count, unit in enumerate(units, start=1):
        if unit in done:
            data = done[unit]
            if unit not in here:
                _append(parts_path, unit, data)  # each attempt's folder holds every part it knows
        else:
            if stop.requested:
                return EXIT_STOPPED
            tic = time.perf_counter()
            data = analysis.compute(unit, done)
            _append(parts_path, unit, data)
            log.info("%s %s: %.1f s", job.kind, unit, time.perf_counter() - tic)
        done[unit] = data
        emit("analysis_part", part=unit, data=data, done=count, units=len(units))
    emit("analysis_finished", seconds=time.perf_counter() - started)
    return 0
