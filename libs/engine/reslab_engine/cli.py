"""Command line: `python -m reslab_engine train --config run.json --out RUNDIR [--resume RUNDIR]`.

Expected failures become one `error` event on stdout, one log line on stderr, and exit code 2 (config) or 1
(data, runtime); only unexpected exceptions print a traceback.
"""

import argparse
import logging
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
    train.add_argument("--resume", type=Path, help="continue from the checkpoint in this run directory")
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        from . import train  # after argument parsing: importing torch takes a moment
        from .config import load_config

        config = load_config(args.config)
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
