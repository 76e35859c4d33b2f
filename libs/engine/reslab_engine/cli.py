"""Command line: `python -m reslab_engine train --config run.json --out RUNDIR [--resume DIR [DIR ...]]`.

`python -m reslab_engine analyze --config job.json [--checkpoint RUNDIR] --out DIR [--resume DIR ...]` runs one
analysis job (analysis/runner.py).

`python -m reslab_engine models [--filter 'resnet*'] [--json]` lists the model zoo with parameters and FLOPs.

`python -m reslab_engine launch --nproc-per-node K [--nnodes N --node-rank R --master-addr HOST --master-port PORT]
-- train ...` trains on K processes per node under torchrun (launch.py).

Expected failures become one `error` event on stdout, one log line on stderr, and exit code 2 (config) or 1
(data, runtime); only unexpected exceptions print a traceback.
"""

import argparse
import ctypes
import logging
import os
import signal
import sys
import traceback
from pathlib import Path

from .errors import ConfigError, EngineError
from .events import emit

log = logging.getLogger("reslab_engine")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit 2; report it as an event instead
        raise ConfigError(f"command line: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="python -m reslab_engine", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    train = commands.add_parser("train", help="train one run from a run config (JSON)")
    train.add_argument("--config", required=True, type=Path, help="run config JSON (run-config.schema.json)")
    train.add_argument("--out", required=True, type=Path, help="run directory for checkpoints")
    train.add_argument(
        "--resume",
        type=Path,
        nargs="+",
        help="continue from the furthest complete checkpoint among these directories",
    )
    analyze = commands.add_parser("analyze", help="run one analysis job on a finished run's checkpoint")
    analyze.add_argument("--config", required=True, type=Path, help="analysis job JSON")
    analyze.add_argument("--checkpoint", type=Path, help="the analysed run's checkpoint folder (not needed for cost)")
    analyze.add_argument("--out", required=True, type=Path, help="folder for this job's parts.jsonl")
    analyze.add_argument("--resume", type=Path, nargs="+", help="earlier attempts' folders: their parts are kept")
    launch = commands.add_parser("launch", help="train on several processes (GPUs, nodes) under torchrun")
    from .launch import add_arguments

    add_arguments(launch)
    models = commands.add_parser("models", help="list the registered models with parameters and FLOPs")
    models.add_argument("--filter", default="*", help="shell-style name pattern, e.g. 'resnet*' or '*plain*'")
    models.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    return parser


def list_models_command(pattern: str, as_json: bool) -> int:
    import json
    from dataclasses import asdict

    from .models import list_models, model_info

    infos = [model_info(name) for name in list_models(pattern)]
    if as_json:
        print(json.dumps([asdict(info) for info in infos]))
        return 0
    # FLOPs: multiply-accumulates of conv and linear layers for one image (torchvision's "GFLOPS" convention).
    print(f"{'name':<20} {'params':>12} {'MFLOPs':>10} {'input':>8} {'classes':>8}")
    for info in infos:
        size = f"{info.input_size}x{info.input_size}"
        print(f"{info.name:<20} {info.params:>12,} {info.flops / 1e6:>10.1f} {size:>8} {info.num_classes:>8}")
    return 0


def exit_with_parent() -> None:
    """Ask Linux for SIGTERM when the worker that started this engine dies (prctl PR_SET_PDEATHSIG), so a
    worker killed with -9 leaves no engine training on unsupervised: the engine checkpoints and exits as on
    any SIGTERM. The worker's pid is passed too, for a parent that died before the request was made."""
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    parent = os.environ.get("RESLAB_PARENT_PID")
    if parent and os.getppid() != int(parent):
        os.kill(os.getpid(), signal.SIGTERM)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        if args.command == "models":
            return list_models_command(args.filter, args.json)
        if args.command == "launch":
            from .launch import launch

            return launch(args)
        if args.command == "analyze":
            from .analysis import job, runner  # after argument parsing: importing torch takes a moment

            analysis_job = job.load_job(args.config)
            if os.environ.get("RESLAB_EXIT_WITH_PARENT") == "1":
                exit_with_parent()
            return runner.run(analysis_job, args.checkpoint, args.out, args.resume)
        from . import train
        from .config import load_config

        config = load_config(args.config)
        if os.environ.get("RESLAB_EXIT_WITH_PARENT") == "1":
            exit_with_parent()
        return train.run(config, args.out, args.resume)
    except EngineError as exc:
        fields = {"field": exc.field} if exc.field else {}
        emit("error", code=exc.code, message=_one_line(exc.message), **fields)
        log.error("%s error: %s", exc.code, _one_line(exc.message))
        return exc.exit_code
    except Exception as exc:
        emit("error", code="runtime", message=_one_line(f"{type(exc).__name__}: {exc}"))
        traceback.print_exc()
        return 1
