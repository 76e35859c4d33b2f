"""python -m reslab sync | import tensorboard <logdir>"""

import argparse
import sys
from pathlib import Path

from . import settings as settings_module
from .errors import ReslabError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reslab", description="ResLab's logging SDK")
    parser.add_argument("--api", help=f"orchestrator URL (default: ${settings_module.API_URL_ENV})")
    commands = parser.add_subparsers(dest="command", required=True)
    sync_parser = commands.add_parser("sync", help="upload what finished processes left in the spool")
    sync_parser.add_argument("run_ids", nargs="*", help="only these runs (default: every spooled run)")
    sync_parser.add_argument(
        "--spool-dir", type=Path, help=f"default: ${settings_module.SPOOL_DIR_ENV}, else ~/.reslab/spool"
    )
    import_parser = commands.add_parser("import", help="import runs logged by another tool")
    sources = import_parser.add_subparsers(dest="source", required=True)
    tensorboard = sources.add_parser("tensorboard", help="TensorBoard event files: one run per folder, scalars")
    tensorboard.add_argument("logdir", type=Path)
    tensorboard.add_argument("--project", default="default")
    tensorboard.add_argument("--experiment", default="tensorboard")
    args = parser.parse_args(argv)

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        if args.command == "sync":
            from .sync import sync

            return sync(args.spool_dir or settings_module.spool_root(), args.run_ids, args.api, out)
        from .tensorboard_import import import_logdir

        return import_logdir(args.logdir, project=args.project, experiment=args.experiment, api_url=args.api, out=out)
    except ReslabError as error:
        print(f"reslab: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
