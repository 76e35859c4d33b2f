"""The spool: everything a run logs survives an outage, goes out in order when the orchestrator answers again, and
what a finished process left is uploaded by `python -m reslab sync`."""

import json
import time

import reslab
from reslab.__main__ import main
from reslab.settings import resolve, spool_root
from reslab.spool import REQUESTS, Spool
from reslab.transport import Transport
from reslab.uploader import Uploader


def steps_in_order(orchestrator, run_id):
    return [p["step"] for body in orchestrator.logs(run_id) for p in body["metrics"]]


def test_an_outage_mid_run_is_spooled_and_replayed_in_order_each_point_once(orchestrator):
    run = reslab.init()
    run.log({"loss": 0.0}, step=0)
    orchestrator.stop()
    for step in range(1, 200):
        run.log({"loss": float(step)}, step=step)
    time.sleep(1.5)  # the uploader has found the orchestrator gone and spooled
    assert (spool_root() / run.id / REQUESTS).stat().st_size > 0
    orchestrator.start()
    assert run.finish(timeout=20)
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(200))
    assert steps_in_order(orchestrator, run.id) == sorted(steps_in_order(orchestrator, run.id))
    assert not (spool_root() / run.id).exists()


def test_a_process_that_ends_during_an_outage_leaves_its_spool_for_sync(orchestrator, capsys):
    orchestrator.stop()
    run = reslab.init(experiment="offline")  # the create itself is spooled
    for step in range(30):
        run.log({"loss": float(step)})
    run.log_params({"lr": 0.1})
    assert not run.finish(timeout=0.5)
    lines = [json.loads(line) for line in (spool_root() / run.id / REQUESTS).read_text().splitlines()]
    assert [line["op"] for line in lines][0] == "create" and lines[-1]["op"] == "end"
    assert "python -m reslab sync" in capsys.readouterr().err

    orchestrator.start()
    assert main(["sync"]) == 0
    assert f"{run.id}: uploaded to {orchestrator.url}" in capsys.readouterr().out
    paths = [path for _, path, _ in orchestrator.requests]
    assert paths[0] == "/external-runs" and paths[-1] == f"/external-runs/{run.id}/end"
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(30))
    assert orchestrator.runs[run.id]["params"] == {"lr": "0.1"}
    assert orchestrator.runs[run.id]["status"] == "succeeded"
    assert not (spool_root() / run.id).exists()
    assert main(["sync"]) == 0
    assert "nothing spooled" in capsys.readouterr().out


def test_sync_leaves_a_run_whose_process_still_lives(orchestrator, capsys):
    orchestrator.stop()
    run = reslab.init()
    assert main(["sync"]) == 0
    assert "still running" in capsys.readouterr().out
    orchestrator.start()
    assert run.finish(timeout=10)


def test_a_full_queue_goes_to_disk_instead_of_waiting(orchestrator, tmp_path):
    spool = Spool.create(tmp_path / "direct", {})
    spool.append([{"op": "create", "body": {"id": "0b7c3f8e-8a4e-4d8e-9c53-1d1e4f7b1a01"}}])
    uploader = Uploader(spool, Transport(resolve()), "0b7c3f8e-8a4e-4d8e-9c53-1d1e4f7b1a01", queue_max=10)
    orchestrator.hang.set()  # frozen: requests wait
    uploader.start()
    for step in range(55):
        uploader.put("metric", {"key": "loss", "value": 1.0, "step": step, "timestamp": 5})
    assert uploader.overflows >= 4  # the training thread spooled the queue itself, five times at most
    orchestrator.hang.clear()
    uploader.put("end", {"status": "succeeded"})
    assert uploader.close(timeout=20)
    assert [p["step"] for p in orchestrator.points("0b7c3f8e-8a4e-4d8e-9c53-1d1e4f7b1a01", "loss")] == list(range(55))
    spool.unlock()


def test_a_line_cut_short_by_a_crash_is_left_out(tmp_path):
    spool = Spool.create(tmp_path / "torn", {})
    spool.append([{"op": "log", "body": {"n": 1}}])
    with open(tmp_path / "torn" / REQUESTS, "ab") as handle:
        handle.write(b'{"op": "log", "bo')
    assert [entry["body"] for _, entry in spool.pending()] == [{"n": 1}]
    spool.unlock()


def test_finish_against_a_frozen_orchestrator_spools_the_rest_and_the_end(orchestrator, capsys):
    run = reslab.init()
    orchestrator.hang.set()  # frozen: the uploader's next request waits for an answer that does not come
    for step in range(5):
        run.log({"loss": float(step)})
    time.sleep(1.5)  # that batch is in flight
    for step in range(5, 10):
        run.log({"loss": float(step)})
    assert not run.finish(timeout=0.5)
    lines = [json.loads(line) for line in (spool_root() / run.id / REQUESTS).read_text().splitlines()]
    assert [p["step"] for line in lines if line["op"] == "log" for p in line["body"]["metrics"]] == list(range(10))
    assert lines[-1]["op"] == "end"
    orchestrator.hang.clear()
    deadline = time.monotonic() + 15
    while main(["sync"]) != 0 or "still running" in capsys.readouterr().out:
        assert time.monotonic() < deadline, "the stopped uploader never let go of the spool"
        time.sleep(0.2)
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(10))
    assert orchestrator.runs[run.id]["status"] == "succeeded"
