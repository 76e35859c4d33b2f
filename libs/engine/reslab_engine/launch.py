"""`python -m reslab_engine launch --nproc-per-node K [--nnodes N --node-rank R --master-addr HOST --master-port PORT]
-- train --config C --out DIR [--resume D ...]`: the engine's `train` on K processes per node under torchrun.

torch.distributed.run (torchrun) is called in this process, as `torchrun --module` would be: on one node its
standalone rendezvous (a port it binds itself); on several, static rendezvous at HOST:PORT with this node's rank R
(the shape Determined uses), no restarts (a failed run is the platform's to retry,
from its checkpoint), one process per GPU or CPU slot. Its agent forwards SIGTERM and SIGINT to every rank and
waits for them (up to SHUTDOWN_SECONDS); the ranks agree on a step, rank 0 checkpoints, all exit 143.

Exit codes are the engine's: 0 finished, 143 stopped, 2 config error, 1 any other failure. A failure is the rank
that failed first (torchrun's root cause); its stderr tail is printed again last, so a supervisor reading the
launcher's stderr tail sees it, and, if it was not rank 0, one `error` event names it (rank 0 writes the stream).
"""

import argparse
import glob
import logging
import os
import shutil
import signal
import sys
import tempfile
from typing import NoReturn

log = logging.getLogger(__name__)

EXIT_STOPPED = 128 + signal.SIGTERM  # train.EXIT_STOPPED; not imported from there, which would import torch
# Time for the ranks to checkpoint after a SIGTERM before torchrun's agent kills them (its default is 30 s).
SHUTDOWN_SECONDS = 120
TAIL_LINES = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nproc-per-node", type=int, required=True, help="processes on this node: one per GPU")
    parser.add_argument("--nnodes", type=int, default=1, help="nodes in the run")
    parser.add_argument("--node-rank", type=int, default=0, help="this node's rank, 0..nnodes-1")
    parser.add_argument("--master-addr", default="127.0.0.1", help="node 0's address, for the rendezvous")
    parser.add_argument(
        "--master-port", type=int, help="a free TCP port on node 0; on one node, left out: torchrun picks one"
    )
    parser.add_argument("engine", nargs=argparse.REMAINDER, help="-- train --config C --out DIR [--resume D ...]")


def _stop_before_start(signum, frame) -> None:
    # A stop that comes before torchrun has started the ranks (and installed its own handlers): nothing to save.
    raise SystemExit(EXIT_STOPPED)


def _stderr_log(log_dir: str, local_rank: int) -> str | None:
    paths = glob.glob(os.path.join(log_dir, "**", "attempt_*", str(local_rank), "stderr.log"), recursive=True)
    return paths[0] if paths else None


def _stderr_tail(path: str | None) -> list[str]:
    if path is None:
        return []
    with open(path, errors="replace") as handle:
        return handle.read().splitlines()[-TAIL_LINES:]


def _root_cause(exc, log_dir: str) -> tuple[int, object]:
    """The rank that failed first. torchrun's own choice (get_first_failure) compares timestamps in whole seconds,
    and with gloo a crashed rank's peers fail within milliseconds ("Connection closed by peer"), so it often names
    a peer. A dead rank writes nothing more, and its peers write their errors after it died: the failed rank whose
    stderr log was last written earliest is the one that failed first."""
    logs = {rank: _stderr_log(log_dir, failure.local_rank) for rank, failure in exc.failures.items()}
    if not all(logs.values()):
        return exc.get_first_failure()
    rank = min(logs, key=lambda r: (os.stat(logs[r]).st_mtime_ns, r))
    return rank, exc.failures[rank]


def launch(args: argparse.Namespace) -> int:
    from .errors import ConfigError

    engine = args.engine[1:] if args.engine[:1] == ["--"] else args.engine
    if engine[:1] != ["train"]:
        raise ConfigError("launch runs `train` (e.g. `launch ... -- train --config C --out DIR`); analyses run alone")
    if args.nproc_per_node < 1 or args.nnodes < 1 or not 0 <= args.node_rank < args.nnodes:
        raise ConfigError(
            f"launch: --nproc-per-node {args.nproc_per_node}, --nnodes {args.nnodes}, --node-rank {args.node_rank}"
        )
    if args.nnodes > 1 and args.master_port is None:
        raise ConfigError(f"launch: --nnodes {args.nnodes} needs --master-port, node 0's rendezvous port")
    if args.nproc_per_node * args.nnodes == 1:
        from .cli import main  # one process: the plain engine, no process group

        return main(engine)
    signal.signal(signal.SIGTERM, _stop_before_start)
    signal.signal(signal.SIGINT, _stop_before_start)
    if os.environ.get("RESLAB_EXIT_WITH_PARENT") == "1":
        from .cli import exit_with_parent

        # The worker's death reaches the launcher, which stops the ranks; each rank's parent is this process, so
        # the ranks' own check (cli.exit_with_parent) must compare with this pid, not the worker's.
        exit_with_parent()
        os.environ["RESLAB_PARENT_PID"] = str(os.getpid())
    # Each rank's share of this node's cores, unless the worker chose (OMP_NUM_THREADS is per process, as
    # torchrun treats it; torchrun alone would set 1).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // args.nproc_per_node)))

    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    log_dir = tempfile.mkdtemp(prefix="reslab-launch-")
    torchrun_args = [
        f"--nproc-per-node={args.nproc_per_node}",
        f"--nnodes={args.nnodes}",
        f"--node-rank={args.node_rank}",
        # One node without a port: torchrun's standalone rendezvous, on a port its store binds itself (no window in
        # which a port chosen beforehand is taken by another run). Several nodes: static, at node 0's address.
        *(
            ["--standalone"]
            if args.master_port is None
            else [f"--master-addr={args.master_addr}", f"--master-port={args.master_port}", "--rdzv-backend=static"]
        ),
        "--max-restarts=0",
        f"--shutdown-timeout={SHUTDOWN_SECONDS}",
        f"--log-dir={log_dir}",
        "--tee=2",  # each rank's stderr to the console (prefixed [rankN]) and to a file, for the tail below
        "--module",
        "reslab_engine",
        *engine,
    ]
    try:
        torchrun.run(torchrun.parse_args(torchrun_args))
        code = 0
    except SignalException as exc:
        log.warning("%s: the ranks were stopped", signal.Signals(exc.sigval).name)
        code = EXIT_STOPPED
    except ChildFailedError as exc:
        code = _report_failure(exc, log_dir)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Exit without waiting on torchrun's threads. Its log tailers (--tee) are non-daemon threads that stop only
    when the agent closes them; on one path (a gang's node 1 whose worker was killed mid-run) the agent never did,
    and the launcher, its ranks gone, waited at interpreter exit for good: an orphan the worker could no longer
    kill. Every rank has exited or been killed by the time torchrun returns or raises, so nothing is left to wait
    for."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _report_failure(exc, log_dir: str) -> int:
    from .events import emit

    rank, failure = _root_cause(exc, log_dir)
    # A negative exit code is a signal (kill -9, the OOM killer): a failure, unless every rank stopped cleanly.
    code = failure.exitcode if failure.exitcode > 0 else 1
    tail = _stderr_tail(_stderr_log(log_dir, failure.local_rank))
    how = f"exit code {failure.exitcode}" if failure.exitcode >= 0 else f"killed by signal {-failure.exitcode}"
    print(f"rank {rank} (pid {failure.pid}) failed first, {how}; the last lines of its stderr:", file=sys.stderr)
    for line in tail:
        print(f"[rank{rank}] {line}", file=sys.stderr)
    sys.stderr.flush()
    if rank != 0 and code not in (2, EXIT_STOPPED):  # rank 0 reports its own errors; a config error is the same on all
        last = next((line.strip() for line in reversed(tail) if line.strip()), "no output")
        emit("error", code="runtime", message=f"rank {rank} failed first ({how}): {last}")
    return code
