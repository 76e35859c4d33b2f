"""Checkpoints: weights in safetensors, everything else (optimizer, scheduler, RNG, progress, config) in a
torch file loaded with weights_only=True, so loading never runs pickled code.

Each file is written to a temporary name, fsynced, then renamed over the old one: a crash leaves either the
old or the new file, never half of one. The two files carry the same (epoch, step) so a crash between the
two renames is detected instead of silently mixing epochs.
"""

import io
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save as save_safetensors
from torch import nn

from .errors import DataError

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.pt"


def _write_atomic(path: Path, payload: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_checkpoint(directory: Path, model: nn.Module, state: dict[str, Any]) -> Path:
    """`state` must hold `epoch` (completed epochs) and `step` (steps done in the next, partial epoch)."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    progress = {"epoch": str(state["epoch"]), "step": str(state["step"])}
    _write_atomic(directory / MODEL_FILE, save_safetensors(tensors, metadata=progress))
    buffer = io.BytesIO()
    torch.save(state, buffer)
    _write_atomic(directory / STATE_FILE, buffer.getvalue())
    return directory


def has_checkpoint(directory: Path) -> bool:
    return (directory / MODEL_FILE).is_file() and (directory / STATE_FILE).is_file()


def progress(directory: Path) -> tuple[int, int] | None:
    """(epoch, step) of a complete, consistent checkpoint in `directory`; None if there is none to resume."""
    if not has_checkpoint(directory):
        return None
    try:
        with safe_open(directory / MODEL_FILE, framework="pt") as handle:
            metadata = handle.metadata() or {}
        state = torch.load(directory / STATE_FILE, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 (a torn or foreign file: not a checkpoint to resume from)
        return None
    saved = (str(state.get("epoch")), str(state.get("step")))
    if (metadata.get("epoch"), metadata.get("step")) != saved:
        return None
    return int(saved[0]), int(saved[1])


def newest(directories: list[Path]) -> Path | None:
    """The directory whose checkpoint went furthest. Each attempt of a run writes its own directory, and any
    of them may be the newest: a resumed attempt goes on from the furthest one, wherever it was written."""
    found = [(p, d) for d in directories if (p := progress(d)) is not None]
    return max(found, key=lambda pair: pair[0])[1] if found else None


def load_checkpoint(directory: Path, model: nn.Module) -> dict[str, Any]:
    """Load weights into `model` and return the saved state (tensors on the CPU)."""
    state = torch.load(directory / STATE_FILE, map_location="cpu", weights_only=True)
    with safe_open(directory / MODEL_FILE, framework="pt") as handle:
        metadata = handle.metadata() or {}
        weights = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118 (not a dict)
    if metadata.get("epoch") != str(state["epoch"]) or metadata.get("step") != str(state["step"]):
        raise DataError(
            f"checkpoint in {directory} is inconsistent: weights at epoch {metadata.get('epoch')} step "
            f"{metadata.get('step')}, state at epoch {state['epoch']} step {state['step']} (interrupted save?)"
        )
    model.load_state_dict(weights)
    return state
