"""A run's requests on disk, in the order they were made, until the orchestrator has taken them.

Every request a run makes (create, log batches, end) is appended here, fsynced, before it is sent, and a pointer
records how far the orchestrator has acknowledged. So nothing logged is lost to an outage, a killed process or a
full in-memory queue, and whatever is left when a process exits is uploaded by `python -m reslab sync` in the same
order. (W&B keeps such a local transaction log too: the run's .wandb file.) Sending a request twice is harmless:
creating is idempotent on the run id, and the server stores a repeated metric point once.

    <root>/<run id>/requests.jsonl   {"op": "create" | "resume" | "log" | "end", "body": {...}} per line, append-only
    <root>/<run id>/sent             byte offset in requests.jsonl of the first request not yet acknowledged
    <root>/<run id>/rejected.jsonl   requests the orchestrator refused (400), with its reason, for the user to read
    <root>/<run id>/run.json         the orchestrator it was meant for, the process that wrote it
    <root>/<run id>/lock             flock()ed by the process that owns the run while it lives
"""

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

REQUESTS = "requests.jsonl"
SENT = "sent"
REJECTED = "rejected.jsonl"
META = "run.json"
LOCK = "lock"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolLocked(Exception):
    """Another live process owns this run's spool."""


class Spool:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._requests = self.directory / REQUESTS
        self._append_file = None
        self._lock_fd: int | None = None

    @classmethod
    def create(cls, directory: Path, meta: dict) -> "Spool":
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        spool = cls(directory)
        spool.lock()
        (directory / META).write_text(json.dumps(meta))
        _fsync_dir(directory)
        return spool

    @property
    def meta(self) -> dict:
        try:
            return json.loads((self.directory / META).read_text())
        except (OSError, ValueError):
            return {}

    def lock(self) -> None:
        """Takes the run for this process; SpoolLocked if a live process holds it (the lock dies with its holder)."""
        fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SpoolLocked(str(self.directory)) from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._append_file is not None:
            self._append_file.close()
            self._append_file = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def append(self, entries: list[dict]) -> None:
        """Appends and fsyncs: once this returns, the entries survive the process and the machine."""
        if not entries:
            return
        if self._append_file is None:
            self._append_file = open(self._requests, "ab")  # noqa: SIM115 (held open for the run's life)
        text = "".join(json.dumps(entry, allow_nan=False, separators=(",", ":")) + "\n" for entry in entries)
        self._append_file.write(text.encode())
        self._append_file.flush()
        os.fsync(self._append_file.fileno())

    def sent_offset(self) -> int:
        try:
            return int((self.directory / SENT).read_text() or 0)
        except (OSError, ValueError):
            return 0

    def mark_sent(self, offset: int) -> None:
        # Not fsynced: after a crash the pointer may lag and a few requests go again, which the server absorbs.
        temporary = self.directory / f".{SENT}.tmp"
        temporary.write_text(str(offset))
        os.replace(temporary, self.directory / SENT)

    def size(self) -> int:
        try:
            return self._requests.stat().st_size
        except FileNotFoundError:
            return 0

    def has_pending(self) -> bool:
        return self.size() > self.sent_offset()

    def pending(self) -> Iterator[tuple[int, dict]]:
        """(offset just past the entry, entry) for each request not yet acknowledged, oldest first. A last line
        without its newline is a write cut short by a crash: it was never acknowledged to the caller, so it is
        left out. A line that is not JSON is set aside in rejected.jsonl, and the rest go on."""
        offset = self.sent_offset()
        try:
            handle = open(self._requests, "rb")  # noqa: SIM115 (closed in finally; a generator)
        except FileNotFoundError:
            return
        try:
            handle.seek(offset)
            for line in handle:
                if not line.endswith(b"\n"):
                    return
                offset += len(line)
                try:
                    entry = json.loads(line)
                except ValueError as error:
                    self.reject({"line": line.decode(errors="replace")}, f"unreadable spool line: {error}")
                    continue
                yield offset, entry
        finally:
            handle.close()

    def reject(self, entry: dict, reason: str) -> None:
        with open(self.directory / REJECTED, "a") as handle:
            handle.write(json.dumps({"reason": reason, **entry}, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def remove(self) -> None:
        """Deletes what was sent; rejected.jsonl, if any, stays for the user to read."""
        self.unlock()
        for name in (REQUESTS, SENT, META, LOCK, f".{SENT}.tmp"):
            (self.directory / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # rejected.jsonl is still there
            self.directory.rmdir()


def spooled_runs(root: Path) -> list[Path]:
    """Run folders under the spool root that hold requests, oldest first."""
    if not root.is_dir():
        return []
    folders = [path for path in root.iterdir() if (path / REQUESTS).is_file()]
    return sorted(folders, key=lambda path: (path / REQUESTS).stat().st_mtime)
