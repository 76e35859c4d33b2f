"""`python -m reslab import tensorboard <logdir>`: TensorBoard event files into external runs (source tensorboard).

One run per folder that holds event files, named by its path under the logdir, as TensorBoard names its runs. Every
scalar becomes a metric history: (tag, step, wall time in ms, value). Files are read with TensorBoard's own reader
(EventAccumulator, which also understands TF2's tensor summaries), keeping every point (size guidance 0) and never
dropping points after a restart (purge_orphaned_data off): an import is a copy, not a view.

A run's id is uuid5 of the folder's absolute path, so importing the same folder again finds the same run: every
point is sent again and the server stores a repeated one once, so a folder that has grown since (a run still
training) gets just its new points, and the line printed says how many were new. A truncated or corrupt event file is
named with what TensorBoard's reader said; the points before the damage are imported and the other folders go on.
"""

import os
import time
import uuid
from pathlib import Path

from . import settings as settings_module
from .backoff import Backoff
from .errors import ReslabError
from .run import NAME_MAX, TAG_VALUE_MAX, metric_value
from .transport import Refused, Retryable, Transport
from .upload import MAX_METRICS

# The namespace of import run ids: uuid5(NAMESPACE, absolute folder path).
RUN_ID_NAMESPACE = uuid.UUID("6f1d4e2a-7c1b-5a7e-9f3c-2b8d0e4a1c55")
ATTEMPTS = 6  # tries per request while the orchestrator is unreachable (about 15 s with the default backoff)


def _tensorboard():
    try:
        from tensorboard.backend.event_processing import event_accumulator, event_file_loader, io_wrapper
        from tensorboard.compat import tf
    except ImportError:
        raise ReslabError(
            "the TensorBoard import needs the tensorboard package: pip install 'reslab[tensorboard]'"
        ) from None
    return event_accumulator, event_file_loader, io_wrapper, tf


def run_id_for(folder: Path) -> str:
    return str(uuid.uuid5(RUN_ID_NAMESPACE, str(folder.resolve())))


def check_event_file(path: Path) -> tuple[int, str | None]:
    """(records read, what went wrong or None). EventAccumulator stops at a damaged record without a word (it
    treats a short read as a file still being written), so each file is walked with the same record reader first."""
    _, event_file_loader, _, tf = _tensorboard()
    records = 0
    try:
        for _ in event_file_loader._make_tf_record_iterator(str(path)):
            records += 1
    except tf.errors.DataLossError as error:
        message = str(getattr(error, "message", error))
        # The reader names the file (as bytes); the line printed names it already.
        return records, message.replace(f"b'{path}'", "").replace(str(path), "").strip() or "truncated record"
    except (OSError, tf.errors.OpError) as error:
        return records, str(error)
    return records, None


def read_scalars(folder: Path) -> dict[str, list[dict]]:
    """Tag -> its points (step, timestamp in ms, value), in the order TensorBoard read them."""
    event_accumulator, _, _, _ = _tensorboard()
    accumulator = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0}, purge_orphaned_data=False
    )
    accumulator.Reload()
    return {
        tag: [
            {
                "key": tag,
                "step": int(e.step),
                "timestamp": round(e.wall_time * 1000),
                "value": metric_value(tag, e.value),
            }
            for e in accumulator.Scalars(tag)
        ]
        for tag in accumulator.Tags()[event_accumulator.SCALARS]
    }


def _call(transport: Transport, method: str, path: str, body: dict | None = None, backoff: Backoff | None = None):
    backoff = backoff or Backoff()
    for attempt in range(ATTEMPTS):
        try:
            return transport.request(method, path, body)
        except Retryable as error:
            if attempt == ATTEMPTS - 1:
                raise ReslabError(f"{transport.settings.api_url} did not answer: {error}") from None
            time.sleep(backoff.delay(attempt, error.retry_after))
    raise AssertionError("unreachable")


def import_folder(transport: Transport, logdir: Path, folder: Path, project: str, experiment: str, out) -> int:
    """Imports one run folder; returns the number of points the server stored anew."""
    relative = os.path.relpath(folder, logdir)
    name = (logdir.resolve().name if relative == "." else relative)[-NAME_MAX:]
    scalars = read_scalars(folder)
    points = [point for tag_points in scalars.values() for point in tag_points]
    if not points:
        out(f"{relative}: no scalars, nothing to import")
        return 0
    run_id = run_id_for(folder)
    run = _call(
        transport,
        "POST",
        "/external-runs",
        {
            "id": run_id,
            "project": project,
            "experiment": experiment,
            "name": name,
            "source": "tensorboard",
            "tags": {"tensorboard.logdir": str(folder.resolve())[-TAG_VALUE_MAX:]},
            "startTime": min(point["timestamp"] for point in points),
        },
    )
    new = 0
    for start in range(0, len(points), MAX_METRICS):
        response = _call(
            transport, "POST", f"/external-runs/{run_id}/log", {"metrics": points[start : start + MAX_METRICS]}
        )
        new += response["metrics"]
    # An ended run takes points and stays ended; ending it again moves its end to the newest point. A run that
    # gained nothing is left as it is (its status may have been set since), unless an import stopped before its end.
    if new or run["status"] == "running":
        _call(
            transport,
            "POST",
            f"/external-runs/{run_id}/end",
            {"status": "succeeded", "endTime": max(point["timestamp"] for point in points)},
        )
    if not new:
        out(f"{relative}: already imported as run {run_id} ({len(points)} points), nothing new")
        return 0
    repeated = f", {len(points) - new} already there" if new < len(points) else ""
    out(f"{relative}: run {run_id}: {len(scalars)} scalars, {len(points)} points, {new} new{repeated}")
    return new


def import_logdir(logdir: Path, *, project: str, experiment: str, api_url: str | None, out) -> int:
    """Returns the exit status: 0 when every folder imported whole, 1 when a file was damaged or a run refused."""
    _, _, io_wrapper, _ = _tensorboard()
    if not logdir.is_dir():
        raise ReslabError(f"{logdir}: no such folder")
    resolved = settings_module.resolve(api_url, None)
    settings_module.require_key(resolved)
    folders = sorted(Path(folder) for folder in io_wrapper.GetLogdirSubdirectories(str(logdir)))
    if not folders:
        out(f"{logdir}: no TensorBoard event files (events.out.tfevents.*) in it or below it")
        return 1
    status = 0
    transport = Transport(resolved)
    try:
        for folder in folders:
            for path in sorted(folder.iterdir()):
                if path.is_file() and io_wrapper.IsTensorFlowEventsFile(str(path)):
                    records, damage = check_event_file(path)
                    if damage:
                        out(f"{path}: damaged after {records} records ({damage}); the points before it are imported")
                        status = 1
            try:
                import_folder(transport, logdir, folder, project, experiment, out)
            except Refused as refusal:
                out(f"{os.path.relpath(folder, logdir)}: refused ({refusal.status}: {refusal.message})")
                status = 1
                if refusal.status == 401:
                    break
    finally:
        transport.close()
    return status
