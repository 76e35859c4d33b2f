"""`python -m reslab sync`: uploads what runs left in the spool, e.g. a script that ended while the orchestrator was
down. Each run's requests go in the order they were made; a run whose process still lives is left to it."""

from pathlib import Path

from . import settings as settings_module
from .spool import Spool, SpoolLocked, spooled_runs
from .transport import Transport
from .upload import Sent, drain


def sync(root: Path, run_ids: list[str], api_url: str | None, out) -> int:
    """Returns the exit status: 0 when every spooled run was uploaded, 1 when something is left or was refused."""
    folders = [root / run_id for run_id in run_ids] if run_ids else spooled_runs(root)
    if not folders:
        out(f"nothing spooled in {root}")
        return 0
    status = 0
    for folder in folders:
        if not folder.is_dir():
            out(f"{folder.name}: no such spooled run in {root}")
            status = 1
            continue
        status |= _sync_run(Spool(folder), api_url, out)
    return status


def _sync_run(spool: Spool, api_url: str | None, out) -> int:
    run_id = spool.directory.name
    try:
        spool.lock()
    except SpoolLocked:
        out(f"{run_id}: skipped, its process is still running and uploads it itself")
        return 0
    resolved = settings_module.resolve(api_url or spool.meta.get("apiUrl"), None)
    settings_module.require_key(resolved)
    transport = Transport(resolved)
    sent = Sent()
    try:
        result = drain(spool, transport, run_id, sent)
    finally:
        transport.close()
    summary = f"{sent.requests} requests, {sent.metrics} metric points ({sent.new_metrics} new), {sent.epochs} epochs"
    for rejected in result.rejected:
        out(f"{run_id}: a batch was refused ({rejected.status}: {rejected.message}); kept in {spool.directory}")
    if result.retry is not None:
        spool.unlock()
        out(f"{run_id}: {resolved.api_url} did not answer ({result.retry}); sent {summary}; the rest stays spooled")
        return 1
    if result.refused is not None:
        spool.unlock()
        out(f"{run_id}: refused ({result.refused.status}: {result.refused.message}); sent {summary}")
        return 1
    spool.remove()
    out(f"{run_id}: uploaded to {resolved.api_url}: {summary}" + ("" if sent.ended else "; the run was not ended"))
    return 1 if result.rejected else 0
