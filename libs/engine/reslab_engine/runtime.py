"""Where and how the loop runs: the device, bf16 autocast, the memory layout, torch.compile, and the random state
that seeds a run and travels in its checkpoints: what train.py sets up before its loop, kept out of it."""

import contextlib
import os
import shutil

import torch
from torch import nn

from .config import RunConfig
from .errors import ConfigError, EngineError


def resolve_device(requested: str) -> torch.device:
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but CUDA is not available", "device")
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(requested)


def memory_format(config: RunConfig) -> torch.memory_format:
    # NHWC: about 15% faster training and 40% faster eval than NCHW for these nets on CPU (measured), as airbench uses.
    return torch.channels_last if config.train.channels_last else torch.contiguous_format


def autocast(config: RunConfig, device: torch.device):
    """bf16 autocast for the forward pass and loss, never on the CPU (the contract's `train.amp`).

    `auto` turns it on where the GPU supports bf16; `bf16` insists, and is a config error where it cannot hold.
    bf16 keeps float32's exponent range, so no loss scaling is needed (unlike fp16).
    """
    amp = config.train.amp
    if amp == "bf16" and device.type != "cuda":
        raise ConfigError(
            f"train.amp 'bf16' needs a CUDA device, but the run is on {device}; use 'auto' or 'off'", "train.amp"
        )
    supported = device.type == "cuda" and torch.cuda.is_bf16_supported()
    if amp == "bf16" and not supported:
        raise ConfigError(f"train.amp 'bf16': {torch.cuda.get_device_name(device)} has no bf16 support", "train.amp")
    if amp == "off" or not supported:
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type="cuda", dtype=torch.bfloat16)


def compile_model(model: nn.Module, config: RunConfig, device: torch.device) -> nn.Module:
    """The module that training and evaluation call: `model` itself, or its torch.compile wrapper (which shares
    the parameters; checkpoints and diagnostics keep using the eager `model`)."""
    if not config.train.compile:
        return model
    if device.type == "cpu":  # inductor writes C++ for the CPU; without a compiler it fails deep inside a step
        import torch._inductor.config as inductor  # imported only when compiling: it is slow to import

        compiler = inductor.cpp.cxx[-1] or "g++"
        if shutil.which(compiler) is None:
            raise EngineError(
                f"train.compile on the CPU needs a C++ compiler ({compiler}), which is not on PATH; "
                "set train.compile to false",
                "train.compile",
            )
    return torch.compile(model)


def make_deterministic(seed: int, device: torch.device) -> None:
    torch.manual_seed(seed)
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # required by deterministic cuBLAS
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)
    # Not on the CPU: its kernels already give the same results for the same inputs and thread count (the
    # seed and resume tests check it), and the deterministic switch sends channels_last convolutions and
    # batch norm down slow paths: 13x slower steps for CIFAR ResNet-20 (benchmarks/RESULTS.md).


def rng_state(generator: torch.Generator) -> dict:
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    return {"torch": torch.get_rng_state(), "cuda": cuda, "data": generator.get_state()}


def restore_rng(state: dict, generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    generator.set_state(state["data"])
