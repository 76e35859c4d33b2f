"""A small real HTTP server speaking the orchestrator's external-runs API (http.server in a thread), so the SDK is
tested over real sockets: its batching, retries, spool and refusals, not mocks of its own functions. Its rules are
ExternalRunsService's (apps/orchestrator/src/external-runs/external-runs.service.ts), kept in step with it: a create
of an existing id answers that run as it is (create); points stored once per (key, step, timestamp, value), and an
ended run takes values and stays ended (log); an end of an ended run overwrites its status and end time, the same
end again changes nothing (end); resume runs an ended run again with no end time, and changes nothing on a running
one (resume); 400s in the ApiError shape naming the field. The end to end tests (test/e2e/sdk.test.ts,
test/e2e/tensorboard-import.test.ts) run the same SDK against the real orchestrator."""

import json
import re
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

KEY = "rsk_test_key"
KEY_PATTERN = re.compile(r"^[\w\-./ :]+$", re.ASCII)


class FakeOrchestrator:
    def __init__(self):
        self.runs: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict | None]] = []  # (method, path, body) in arrival order
        # Statuses to answer the next requests with, one each; "lost" handles the request and then answers 502, as
        # a proxy whose upstream answered too late does: the client cannot tell it from a request never handled.
        self.faults: list[int | str] = []
        self.hang = threading.Event()  # while set, requests wait (a frozen server)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handler = _handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Gone: the port refuses connections until start() listens on it again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def logs(self, run_id: str) -> list[dict]:
        return [body for method, path, body in self.requests if path == f"/external-runs/{run_id}/log"]

    def points(self, run_id: str, key: str) -> list[dict]:
        return sorted(
            (p for p in self.runs[run_id]["points"] if p["key"] == key), key=lambda p: (p["step"], p["timestamp"])
        )

    def answer(self, method: str, path: str, headers, body: dict | None) -> tuple[int, dict | None]:
        while self.hang.is_set():
            time.sleep(0.01)
        with self.lock:
            self.requests.append((method, path, body))
            if self.faults:
                status = self.faults.pop(0)
                if status == "lost":
                    self._route(method, path, body)
                    status = 502
                return status, {"statusCode": status, "message": "injected fault"}
            if headers.get("Authorization") != f"Bearer {KEY}":
                return 401, {"statusCode": 401, "message": "not signed in or key revoked"}
            return self._route(method, path, body)

    def _route(self, method, path, body):
        if method == "POST" and path == "/external-runs":
            run_id = body["id"]
            if run_id in self.runs:
                return 200, self._dto(run_id)
            if body.get("project") == "nope":
                return 404, {"statusCode": 404, "message": "project nope not found"}
            self.runs[run_id] = {
                "create": body,
                "status": "running",
                "endTime": None,
                "points": [],
                "seen": set(),
                "epochs": [],
                "params": {},
                "tags": dict(body.get("tags", {})),
            }
            return 201, self._dto(run_id)
        epochs = re.fullmatch(r"/runs/([^/?]+)/metrics", path)
        if epochs and method == "GET" and epochs.group(1) in self.runs:
            return 200, [{"epoch": e["epoch"], "split": e["split"]} for e in self.runs[epochs.group(1)]["epochs"]]
        match = re.fullmatch(r"/external-runs/([^/?]+)(/log|/end|/resume|/metric-history)?(\?key=(.*))?", path)
        if not match or match.group(1) not in self.runs:
            return 404, {"statusCode": 404, "message": "external run not found"}
        run_id, action = match.group(1), match.group(2)
        run = self.runs[run_id]
        if action == "/log":
            return self._log(run, body)
        if action == "/end":
            if run["status"] != body["status"] or body.get("endTime", run["endTime"]) != run["endTime"]:
                run["status"] = body["status"]
                run["endTime"] = body.get("endTime", int(time.time() * 1000))
            return 200, self._dto(run_id)
        if action == "/resume":
            if run["status"] != "running":
                run["status"], run["endTime"] = "running", None
            return 200, self._dto(run_id)
        if action == "/metric-history":
            from urllib.parse import unquote

            key = unquote(match.group(4))
            points = [{k: _as_js(p[k]) for k in ("step", "timestamp", "value")} for p in self.points(run_id, key)]
            return 200, {"runId": run_id, "key": key, "points": points}
        return 200, self._dto(run_id)

    def _log(self, run, body):
        for i, point in enumerate(body.get("metrics", [])):
            if not KEY_PATTERN.match(point["key"]):
                issue = {"path": f"metrics.{i}.key", "message": "letters, digits, spaces and '_ - . / :' only"}
                return 400, {"statusCode": 400, "message": f"invalid {issue['path']}", "issues": [issue]}
        new = 0
        for point in body.get("metrics", []):
            identity = (point["key"], point["step"], point["timestamp"], str(point["value"]))
            if identity not in run["seen"]:
                run["seen"].add(identity)
                run["points"].append(point)
                new += 1
        for key, value in body.get("params", {}).items():
            if run["params"].get(key, value) != value:
                issue = {"path": f"params.{key}", "message": "already logged with another value"}
                return 400, {"statusCode": 400, "message": "invalid params", "issues": [issue]}
            run["params"][key] = value
        run["tags"].update(body.get("tags", {}))
        run["epochs"].extend(body.get("epochs", []))
        return 200, {"metrics": new, "epochs": len(body.get("epochs", []))}

    def _dto(self, run_id):
        run = self.runs[run_id]
        counts = defaultdict(int)
        last = {}
        for point in run["points"]:
            counts[point["key"]] += 1
            newest = last.get(point["key"])
            if newest is None or (point["step"], point["timestamp"]) >= (newest["step"], newest["timestamp"]):
                last[point["key"]] = point
        metrics = [
            {"key": k, "count": n, "last": {f: last[k][f] for f in ("step", "timestamp", "value")}}
            for k, n in counts.items()
        ]
        return {"id": run_id, "status": run["status"], "endTime": run["endTime"], "metrics": metrics}


def _as_js(value):
    """A number as the orchestrator's JSON writes it: JavaScript has one number type, so 1.0 comes back as 1."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _handler(fake: FakeOrchestrator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, answer = fake.answer(method, self.path, self.headers, body)
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802 (http.server's name)
            self._serve("POST")

        def do_GET(self):  # noqa: N802
            self._serve("GET")

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def orchestrator():
    fake = FakeOrchestrator()
    fake.start()
    yield fake
    fake.hang.clear()
    fake.stop()


@pytest.fixture(autouse=True)
def reslab_env(tmp_path, monkeypatch, orchestrator):
    """Every test logs to the fake, with a spool and config folder of its own."""
    monkeypatch.setenv("RESLAB_API_URL", orchestrator.url)
    monkeypatch.setenv("RESLAB_API_KEY", KEY)
    monkeypatch.setenv("RESLAB_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path
