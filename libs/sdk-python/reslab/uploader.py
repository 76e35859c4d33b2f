"""The background thread between a training loop and the orchestrator.

The training thread only appends to a bounded in-memory queue (`put`). The uploader thread takes what has queued,
cuts it into batches within the API's limits, appends them to the run's spool (fsynced) and sends the spool in order
(upload.drain). It sends when a batch is full or a second after the oldest queued item, whichever comes first.

A failed send (connection refused, timeout, 5xx, 429) leaves the batch in the spool and is tried again after a
capped, jittered backoff, while new batches keep being spooled behind it, so an outage costs disk, never the
training loop's time. When the queue is full (the uploader is slower than the loop, e.g. stuck on a timeout) the
training thread spools the queue itself instead of waiting. The one wait a `put` can meet is one fsync, while the
uploader appends a batch.
"""

import sys
import threading
import time
from collections import deque

from .backoff import Backoff
from .errors import ReslabError
from .spool import Spool
from .transport import Refused, Transport
from .upload import MAX_EPOCHS, MAX_METRICS, Sent, drain, empty_log

FLUSH_INTERVAL = 1.0  # seconds an item may wait in memory before it is sent
QUEUE_MAX = 10_000  # items held in memory before the training thread spools them itself


def batches(items) -> list[dict]:
    """Queued items, in order, as spool entries: log batches within the API's limits, and an end where it came."""
    entries: list[dict] = []
    current = empty_log()

    def close_batch():
        nonlocal current
        if any(current.values()):
            entries.append({"op": "log", "body": current})
        current = empty_log()

    for kind, item in items:
        if kind == "end":
            close_batch()
            entries.append({"op": "end", "body": item})
        elif kind == "metric":
            if len(current["metrics"]) == MAX_METRICS:
                close_batch()
            current["metrics"].append(item)
        elif kind == "epoch":
            if len(current["epochs"]) == MAX_EPOCHS:
                close_batch()
            current["epochs"].append(item)
        elif kind in ("params", "tags"):
            current[kind].update(item)
        else:
            raise ValueError(f"unknown queue item {kind!r}")
    close_batch()
    return entries


def note(line: str) -> None:
    print(f"reslab: {line}", file=sys.stderr, flush=True)


class Uploader:
    def __init__(
        self,
        spool: Spool,
        transport: Transport,
        run_id: str,
        *,
        flush_interval: float = FLUSH_INTERVAL,
        queue_max: int = QUEUE_MAX,
        backoff: Backoff | None = None,
        sent: Sent | None = None,
    ):
        self._spool = spool
        self._transport = transport
        self._run_id = run_id
        self._flush_interval = flush_interval
        self._queue_max = queue_max
        self._backoff = backoff or Backoff()
        self.sent = sent or Sent()
        self._cond = threading.Condition()
        self._queue: deque = deque()
        self._oldest_at = 0.0
        self._metrics = 0
        self._epochs = 0
        self._has_end = False
        self._spool_dirty = spool.has_pending()
        self._closing = False
        self._stopped = False
        self._exited = False
        self._halted: Refused | None = None
        self._errors: list[ReslabError] = []
        self._attempt = 0
        self._next_try = 0.0
        self._outage_since: float | None = None
        self.overflows = 0
        self._thread = threading.Thread(target=self._loop, name=f"reslab-uploader-{run_id[:8]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def note_outage(self, reason: str) -> None:
        """Called by whoever saw the first failed send, so one line says it once."""
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            note(
                f"{self._transport.settings.api_url} did not take run {self._run_id}'s logs ({reason}); "
                f"spooling them to {self._spool.directory} and retrying"
            )

    # The training thread's side.

    def put(self, kind: str, item) -> None:
        with self._cond:
            first = not self._queue
            if first:
                self._oldest_at = time.monotonic()
            self._queue.append((kind, item))
            self._metrics += kind == "metric"
            self._epochs += kind == "epoch"
            self._has_end |= kind == "end"
            if len(self._queue) >= self._queue_max:
                self._spool_queue()
                self.overflows += 1
                self._cond.notify()
            elif first or self._full():
                self._cond.notify()  # the first item starts the flush clock; a full batch goes now

    def take_error(self) -> ReslabError | None:
        """A refusal the uploader met since the last call, for the training thread to raise."""
        with self._cond:
            return self._errors.pop(0) if self._errors else None

    def close(self, timeout: float) -> bool:
        """Sends what is queued and spooled, waiting at most `timeout` seconds; True when the orchestrator has it
        all. Otherwise the thread is told to stop and what is left stays in the spool."""
        with self._cond:
            self._closing = True
            self._next_try = 0.0  # a run that ends after an outage tries once more now, not after its backoff
            self._cond.notify()
        self._thread.join(timeout)
        with self._cond:
            if self._queue:
                # The thread is stuck in a send (a frozen orchestrator answers nothing until the read timeout): what
                # it has not taken goes to disk now, the run's end with it, before it is told to stop.
                self._spool_queue()
            done = self._exited and not self._spool_dirty and self._halted is None
            self._stopped = True
            if self._exited and not done:
                self._spool.unlock()  # else the thread does as it ends: `python -m reslab sync` may take the run now
            self._cond.notify()
        return done

    # The uploader thread's side.

    def _spool_queue(self) -> None:
        """With the lock held: everything queued goes to disk, in order, behind what is there already."""
        self._spool.append(batches(self._queue))
        self._queue.clear()
        self._metrics = self._epochs = 0
        self._has_end = False
        self._spool_dirty = True

    def _full(self) -> bool:
        """Whether the queue holds a batch to send now (an end, or a request's worth); call with the lock held."""
        return self._has_end or self._metrics >= MAX_METRICS or self._epochs >= MAX_EPOCHS

    def _wait_for_work(self) -> bool:
        """With the lock held: waits until there is something to do; False when the thread should end."""
        while True:
            if self._stopped:
                return False
            now = time.monotonic()
            full = self._full()
            flush_at = self._oldest_at + self._flush_interval
            if self._queue and (self._closing or full or now >= flush_at):
                self._spool_queue()
            can_send = self._halted is None
            if self._spool_dirty and can_send and now >= self._next_try:
                return True
            if self._closing and not self._queue and (not self._spool_dirty or not can_send):
                return False
            waits = []
            if self._queue:
                waits.append(flush_at - now)
            if self._spool_dirty and can_send:
                waits.append(self._next_try - now)
            self._cond.wait(max(0.0, min(waits)) if waits else None)

    def _loop(self) -> None:
        try:
            while True:
                with self._cond:
                    if not self._wait_for_work():
                        return
                self._send_spooled()
        finally:
            self._transport.close()
            with self._cond:
                self._exited = True
                if self._stopped:
                    self._spool.unlock()

    def _send_spooled(self) -> None:
        result = drain(self._spool, self._transport, self._run_id, self.sent, lambda: self._stopped)
        with self._cond:
            for refusal in result.rejected:
                error = ReslabError(
                    f"the orchestrator refused a batch of run {self._run_id} ({refusal.status}): {refusal.message}; "
                    f"it is kept in {self._spool.directory / 'rejected.jsonl'}"
                )
                note(str(error))
                self._errors.append(error)
            if result.refused is not None:
                self._halted = result.refused
                error = ReslabError(
                    f"the orchestrator refused run {self._run_id}'s logs ({result.refused.status}): "
                    f"{result.refused.message}; nothing more is sent, what is logged stays in {self._spool.directory} "
                    "for `python -m reslab sync` once that is fixed"
                )
                note(str(error))
                self._errors.append(error)
                self._cond.notify_all()
                return
            if result.retry is not None:
                self.note_outage(str(result.retry))
                self._next_try = time.monotonic() + self._backoff.delay(self._attempt, result.retry.retry_after)
                self._attempt += 1
                return
            self._attempt = 0
            self._spool_dirty = self._spool.has_pending()
            if self._outage_since is not None and not self._spool_dirty:
                note(
                    f"{self._transport.settings.api_url} answers again after "
                    f"{time.monotonic() - self._outage_since:.0f} s; run {self._run_id}'s spooled logs are sent"
                )
                self._outage_since = None
            self._cond.notify_all()
