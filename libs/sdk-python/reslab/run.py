"""`reslab.init(...)` and the Run it returns: what a training script calls.

    import reslab
    with reslab.init(project="fashion", config={"lr": 0.01}) as run:
        for epoch in range(epochs):
            ...
            run.log({"train/loss": loss})
            run.log_epoch(split="test", loss=test_loss, y_true=labels, y_pred=predictions)

Nothing here waits on the network: calls check their arguments (raising ValueError naming the field, at the line
that made the mistake), queue, and return; the uploader thread sends. A batch the orchestrator refuses is raised as
ReslabError on the script's next call.
"""

import atexit
import json
import math
import numbers
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Mapping

from . import settings as settings_module
from .errors import ReslabError
from .spool import Spool, SpoolLocked
from .transport import Refused, Retryable, Transport
from .upload import Sent, drain
from .uploader import Uploader, note

# libs/contracts external-runs.ts LoggedKey: MLflow's rule for names (JavaScript's \w is ASCII, hence re.ASCII).
KEY_PATTERN = re.compile(r"^[\w\-./ :]+$", re.ASCII)
KEY_MAX = 250
PARAM_VALUE_MAX = 6000
TAG_VALUE_MAX = 8000
NAME_MAX = 200
FINISH_TIMEOUT = 30.0  # seconds `finish` (and the exit hook) waits for the orchestrator to take the rest
STATUSES = ("succeeded", "failed", "cancelled")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _check_key(what: str, key) -> str:
    if not isinstance(key, str) or not key or len(key) > KEY_MAX or not KEY_PATTERN.match(key):
        raise ValueError(
            f"{what}: {key!r} is not a valid name: 1 to {KEY_MAX} letters, digits, spaces and '_ - . / :' "
            "(MLflow's rule)"
        )
    return key


def metric_value(key: str, value) -> float | str:
    """A number, or MLflow's JSON spelling of NaN and the infinities (JSON has no literal for them)."""
    if hasattr(value, "item") and callable(value.item):  # a torch tensor or numpy scalar of one element
        try:
            value = value.item()
        except (ValueError, RuntimeError):
            raise ValueError(f"log: {key}: expected one number, got a tensor or array of several") from None
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, numbers.Real):
        raise ValueError(f"log: {key}: expected a number, got {type(value).__name__}")
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _flatten(data: Mapping, prefix: str = "") -> list[tuple[str, object]]:
    """Nested dicts become slash-separated keys, as TensorBoard names its scalars: {"train": {"loss": x}} is
    train/loss."""
    items = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items.extend(_flatten(value, f"{name}/"))
        else:
            items.append((name, value))
    return items


def _json_config(config) -> dict:
    """A dict, an argparse.Namespace or a dataclass instance, as JSON; values JSON has no word for become strings."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        if hasattr(config, "__dataclass_fields__"):
            import dataclasses

            config = dataclasses.asdict(config)
        elif hasattr(config, "__dict__"):
            config = vars(config)
        else:
            raise ValueError(f"init: config: expected a dict, got {type(config).__name__}")

    def plain(value):
        if hasattr(value, "item") and callable(value.item):
            try:
                return value.item()
            except (ValueError, RuntimeError):
                pass
        if hasattr(value, "tolist"):
            return value.tolist()
        return str(value)

    text = json.dumps(config, default=plain)
    # NaN in a config would be invalid JSON; say so here rather than as a 400 from the server.
    return json.loads(text, parse_constant=lambda name: str(name))


def _string_values(what: str, values: Mapping, limit: int) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise ValueError(f"{what}: expected a dict, got {type(values).__name__}")
    result = {}
    for key, value in _flatten(values):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if len(text) > limit:
            raise ValueError(f"{what}: {key}: value is {len(text)} characters, at most {limit} are kept")
        result[_check_key(what, key)] = text
    return result


class Run:
    """A run being logged. Use it as a context manager, or call finish(); an unfinished run is finished when the
    interpreter exits (failed if an exception ended the script)."""

    def __init__(self, *, run_id: str, project: str, experiment: str, name: str | None, class_names, uploader, spool):
        self.id = run_id
        self.project = project
        self.experiment = experiment
        self.name = name
        self.class_names = list(class_names) if class_names is not None else None
        self._uploader = uploader
        self._spool = spool
        self._step = 0
        self._epochs: dict[str, int] = {}
        self._params: dict[str, str] = {}
        # A forked child (a DataLoader worker) inherits the object but not the uploader thread: it never finishes it.
        self._pid = os.getpid()
        self.finished = False

    def __repr__(self) -> str:
        return f"<reslab.Run {self.id} {self.project}/{self.experiment}>"

    def _check(self, what: str) -> None:
        if self.finished:
            raise ReslabError(f"{what}: run {self.id} is finished")
        error = self._uploader.take_error()
        if error is not None:
            raise error

    def log(self, data: Mapping, step: int | None = None) -> None:
        """Logs metric points at `step`; without one, at one past the last call's step (0 first), as W&B counts."""
        self._check("log")
        if not isinstance(data, Mapping):
            raise ValueError(f"log: expected a dict of metric values, got {type(data).__name__}")
        if step is None:
            step = self._step
        elif isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise ValueError(f"log: step: expected a whole number, got {step!r}")
        step = int(step)
        timestamp = _now_ms()
        points = [
            {"key": _check_key("log", key), "value": metric_value(key, value), "step": step, "timestamp": timestamp}
            for key, value in _flatten(data)
        ]
        self._step = step + 1
        for point in points:
            self._uploader.put("metric", point)

    def log_params(self, params: Mapping) -> None:
        """Hyperparameters, stored as strings. Write-once, as MLflow's: the same value again is fine, another is an
        error."""
        self._check("log_params")
        values = _string_values("log_params", params, PARAM_VALUE_MAX)
        for key, value in values.items():
            if self._params.get(key, value) != value:
                raise ValueError(f"log_params: {key} is already {self._params[key]!r}; params are write-once")
        self._params.update(values)
        self._uploader.put("params", values)

    def set_tags(self, tags: Mapping) -> None:
        """Tags: free text about the run; a tag set again takes the new value."""
        self._check("set_tags")
        self._uploader.put("tags", _string_values("set_tags", tags, TAG_VALUE_MAX))

    def log_epoch(
        self,
        split: str,
        loss,
        y_true,
        y_pred,
        epoch: int | None = None,
        lr=None,
        seconds=None,
        num_classes: int | None = None,
    ) -> dict:
        """Accuracy, macro and weighted precision/recall/F1, per-class metrics and the confusion matrix of one split
        in one epoch, from true labels and predictions (tensors, arrays or lists; predictions may be N x C scores).
        `epoch` counts from 1 and defaults to one past this split's last. Returns what it logged."""
        self._check("log_epoch")
        from .epoch import measure_epoch  # torch and the engine load only for scripts that log epochs

        if epoch is None:
            epoch = self._epochs.get(split, 0) + 1
        if num_classes is None and self.class_names is not None:
            num_classes = len(self.class_names)
        entry = measure_epoch(
            split=split,
            loss=loss,
            y_true=y_true,
            y_pred=y_pred,
            epoch=epoch,
            lr=lr,
            seconds=seconds,
            num_classes=num_classes,
        )
        self._epochs[split] = epoch
        self._uploader.put("epoch", entry)
        return entry

    def finish(self, status: str = "succeeded", timeout: float = FINISH_TIMEOUT) -> bool:
        """Ends the run and waits at most `timeout` seconds for the orchestrator to take everything. True when it
        has; otherwise what is left stays spooled (the line printed says where) for `python -m reslab sync`."""
        if self.finished:
            return True
        if status not in STATUSES:
            raise ValueError(f"finish: status: expected one of {', '.join(STATUSES)}, got {status!r}")
        self.finished = True
        _unfinished.discard(self)
        self._uploader.put("end", {"status": status, "endTime": _now_ms()})
        done = self._uploader.close(timeout)
        if done:
            self._spool.remove()
            return True
        note(
            f"run {self.id}: the orchestrator has not taken everything within {timeout:g} s; the rest stays in "
            f"{self._spool.directory}: run `python -m reslab sync` to upload it"
        )
        return False

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.finish(_exit_status(exc_type))


def init(
    project: str = "default",
    experiment: str = "default",
    name: str | None = None,
    config=None,
    class_names=None,
    api_url: str | None = None,
    api_key: str | None = None,
    tags: Mapping | None = None,
    id: str | None = None,  # noqa: A002 (W&B's and MLflow's name for it)
    resume: bool = False,
) -> Run:
    """Starts a run. The orchestrator and key: `api_url`/`api_key`, else RESLAB_API_URL/RESLAB_API_KEY, else what
    `reslab login` stored. When the orchestrator cannot be reached the run is still made: everything is spooled under
    $RESLAB_SPOOL_DIR (~/.reslab/spool) and sent when it answers. A refusal (a bad key, no such project, a field the
    orchestrator rejects) raises ReslabError here, naming the field.

    `id` (a uuid) names the run; a new one is made when it is left out. An id of a run you made before logs into
    that run as it is (the orchestrator answers a create of an existing id with the run, and ignores the create's
    config, name and tags); values logged to an ended run are stored and it stays ended until finish() ends it
    again, as MLflow's start_run(run_id=...) does. `resume=True` (W&B's resume="allow") also runs an ended run
    again (POST /external-runs/:id/resume) until this script finishes it, and continues its step count and each
    split's epoch count from what it holds; a run not yet there is made."""
    resolved = settings_module.resolve(api_url, api_key)
    settings_module.require_key(resolved)
    for field, value in (("project", project), ("experiment", experiment), ("name", name)):
        if value is not None and (not isinstance(value, str) or not value or len(value) > NAME_MAX):
            raise ValueError(f"init: {field}: expected 1 to {NAME_MAX} characters, got {value!r}")
    if class_names is not None:
        class_names = [str(name) for name in class_names]
    if resume and id is None:
        raise ValueError("init: resume: needs the id of the run to resume: init(id=..., resume=True)")
    if id is None:
        run_id = str(uuid.uuid4())
    else:
        try:
            run_id = str(uuid.UUID(str(id)))
        except ValueError:
            raise ValueError(f"init: id: expected a uuid (a run's id, or str(uuid.uuid4())), got {id!r}") from None
    body = {
        "id": run_id,
        "project": project,
        "experiment": experiment,
        "source": "sdk",
        "config": _json_config(config),
        "tags": _string_values("init: tags", tags or {}, TAG_VALUE_MAX),
        "startTime": _now_ms(),
    }
    if name is not None:
        body["name"] = name
    if class_names is not None:
        body["classNames"] = class_names

    directory = settings_module.spool_root() / run_id
    # A run resumed on this machine may have a spool already: what it still holds is sent first, in order.
    existed = directory.exists()
    try:
        spool = Spool.create(directory, {"runId": run_id, "apiUrl": resolved.api_url, "pid": os.getpid()})
    except SpoolLocked:
        raise ReslabError(f"init: run {run_id} is being logged by another live process ({directory})") from None
    spool.append([{"op": "create", "body": body}, *([{"op": "resume", "body": {}}] if resume else [])])
    transport = Transport(resolved)
    sent = Sent()
    result = drain(spool, transport, run_id, sent)
    if result.refused is not None or result.rejected:
        refusal = result.refused or result.rejected[0]
        spool.unlock()
        if not existed:
            shutil.rmtree(spool.directory, ignore_errors=True)
        transport.close()
        hint = ""
        if refusal.status == 401:
            hint = f" (the key from {resolved.key_source} was refused)"
        raise ReslabError(f"init: the orchestrator at {resolved.api_url} refused the run{hint}: {refusal.message}")
    counts = _logged_counts(transport, run_id) if resume and result.retry is None else None
    uploader = Uploader(spool, transport, run_id, sent=sent)
    if result.retry is not None:
        uploader.note_outage(str(result.retry))
    uploader.start()
    note(f"run {run_id} ({project}/{experiment}) logging to {resolved.api_url}")
    run = Run(
        run_id=run_id,
        project=project,
        experiment=experiment,
        name=name,
        class_names=class_names,
        uploader=uploader,
        spool=spool,
    )
    if counts is not None:
        run._step, run._epochs = counts
        note(f"run {run_id} resumed at step {run._step}")
    elif resume:
        note(f"run {run_id}: its steps could not be read, so log() without a step counts from 0")
    _unfinished.add(run)
    _watch_exceptions()
    return run


def _logged_counts(transport: Transport, run_id: str) -> tuple[int, dict[str, int]] | None:
    """One past the last step the run holds (as W&B's resumed run.step), and each split's last epoch; None when
    they could not be read."""
    try:
        run = transport.request("GET", f"/external-runs/{run_id}")
        epochs = transport.request("GET", f"/runs/{run_id}/metrics")
    except (Retryable, Refused):
        return None
    step = max((int(m["last"]["step"]) + 1 for m in run.get("metrics", [])), default=0)
    last: dict[str, int] = {}
    for entry in epochs or []:
        last[entry["split"]] = max(last.get(entry["split"], 0), int(entry["epoch"]))
    return step, last


# Runs not yet finished, finished at exit: failed when an uncaught exception ended the script (cancelled for Ctrl-C),
# else succeeded.
_unfinished: set[Run] = set()
_uncaught: type[BaseException] | None = None


def _watch_exceptions() -> None:
    if getattr(sys.excepthook, "_reslab", False):
        return
    previous = sys.excepthook

    def hook(exc_type, exc, traceback):
        global _uncaught
        _uncaught = exc_type
        previous(exc_type, exc, traceback)

    hook._reslab = True
    sys.excepthook = hook


def _exit_status(uncaught: type[BaseException] | None) -> str:
    if uncaught is None:
        return "succeeded"
    return "cancelled" if issubclass(uncaught, KeyboardInterrupt) else "failed"


@atexit.register
def _finish_at_exit() -> None:
    status = _exit_status(_uncaught)
    for run in list(_unfinished):
        if run._pid == os.getpid():
            run.finish(status)
