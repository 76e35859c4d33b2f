"""Sends a run's spooled requests to the orchestrator in order: the one path both a live run's uploader thread and
`python -m reslab sync` take.

Consecutive log batches are merged into one request up to the API's limits (LogExternalRequest: 1000 metric points,
100 epochs), so a backlog built up during an outage goes back in few requests.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .spool import Spool
from .transport import Refused, Retryable, Transport

# libs/contracts external-runs.ts: LOG_BATCH_MAX_METRICS, and LogExternalRequest.epochs' max.
MAX_METRICS = 1000
MAX_EPOCHS = 100


def request_path(run_id: str, op: str) -> str:
    return {
        "create": "/external-runs",
        "resume": f"/external-runs/{run_id}/resume",
        "log": f"/external-runs/{run_id}/log",
        "end": f"/external-runs/{run_id}/end",
    }[op]


def empty_log() -> dict:
    return {"metrics": [], "params": {}, "tags": {}, "epochs": []}


def _fits(group: dict, body: dict) -> bool:
    return (
        len(group["metrics"]) + len(body.get("metrics", [])) <= MAX_METRICS
        and len(group["epochs"]) + len(body.get("epochs", [])) <= MAX_EPOCHS
    )


def _merge(group: dict, body: dict) -> None:
    group["metrics"].extend(body.get("metrics", []))
    group["epochs"].extend(body.get("epochs", []))
    group["params"].update(body.get("params", {}))
    group["tags"].update(body.get("tags", {}))  # last wins, as on the server


@dataclass
class Request:
    op: str
    body: dict
    end_offset: int
    # The spooled entries it was merged from, (end offset, entry), to send one by one if the merge is refused.
    parts: list[tuple[int, dict]] = field(default_factory=list)


def coalesce(pending: Iterable[tuple[int, dict]]) -> Iterator[Request]:
    group: Request | None = None
    for end_offset, entry in pending:
        op, body = entry["op"], entry["body"]
        if op == "log" and group is not None and _fits(group.body, body):
            _merge(group.body, body)
            group.end_offset = end_offset
            group.parts.append((end_offset, entry))
            continue
        if group is not None:
            yield group
            group = None
        if op == "log":
            merged = empty_log()
            _merge(merged, body)
            group = Request("log", merged, end_offset, [(end_offset, entry)])
        else:
            yield Request(op, body, end_offset, [(end_offset, entry)])
    if group is not None:
        yield group


@dataclass
class Sent:
    requests: int = 0
    metrics: int = 0
    epochs: int = 0
    # What the server reported it stored anew (LogExternalResponse); repeats of stored points are not counted.
    new_metrics: int = 0
    ended: bool = False

    def add(self, request: Request, response) -> None:
        self.requests += 1
        if request.op == "log":
            self.metrics += len(request.body["metrics"])
            self.epochs += len(request.body["epochs"])
            if isinstance(response, dict) and isinstance(response.get("metrics"), int):
                self.new_metrics += response["metrics"]
        if request.op == "end":
            self.ended = True


@dataclass
class DrainResult:
    """How a pass over the spool stopped: everything sent (neither set), `retry` (the orchestrator could not take it
    now), or `refused` (a refusal every later request would meet too: a revoked key, no such project)."""

    retry: Retryable | None = None
    refused: Refused | None = None
    # Requests refused for their content (400): set aside in rejected.jsonl, and the pass went on.
    rejected: list[Refused] = field(default_factory=list)


def drain(
    spool: Spool, transport: Transport, run_id: str, sent: Sent, should_stop: Callable[[], bool] = lambda: False
) -> DrainResult:
    result = DrainResult()
    for request in coalesce(spool.pending()):
        if should_stop() or not _send(spool, transport, run_id, sent, request, result):
            return result
    return result


def _send(spool: Spool, transport: Transport, run_id: str, sent: Sent, request: Request, result: DrainResult) -> bool:
    """Sends one request and marks it sent, or sets it aside when refused for its content; False when the pass
    must stop, with the reason in `result`."""
    try:
        sent.add(request, transport.post(request_path(run_id, request.op), request.body))
    except Retryable as error:
        result.retry = error
        return False
    except Refused as error:
        if not error.content_only:
            result.refused = error
            return False
        if len(request.parts) > 1:
            # One bad batch in a merge: send the parts alone so only that one is set aside.
            return all(
                _send(
                    spool,
                    transport,
                    run_id,
                    sent,
                    Request(entry["op"], entry["body"], offset, [(offset, entry)]),
                    result,
                )
                for offset, entry in request.parts
            )
        spool.reject(request.parts[0][1], error.message)
        result.rejected.append(error)
    spool.mark_sent(request.end_offset)
    return True
