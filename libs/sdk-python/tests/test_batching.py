"""Batches within the API's limits (LogExternalRequest: 1000 points, 100 epochs), in the order logged."""

import reslab
from reslab.spool import Spool
from reslab.upload import MAX_METRICS, Request, coalesce
from reslab.uploader import batches


def point(step: int) -> dict:
    return {"key": "loss", "value": float(step), "step": step, "timestamp": 1}


def test_batches_split_at_the_limits_and_end_closes_the_last():
    items = [("metric", point(i)) for i in range(2500)] + [("epoch", {"epoch": i}) for i in range(150)]
    items += [("params", {"a": "1"}), ("tags", {"t": "x"}), ("tags", {"t": "y"}), ("end", {"status": "succeeded"})]
    entries = batches(items)
    assert [e["op"] for e in entries] == ["log", "log", "log", "log", "end"]
    assert [len(e["body"]["metrics"]) for e in entries[:4]] == [1000, 1000, 500, 0]
    assert [len(e["body"]["epochs"]) for e in entries[:4]] == [0, 0, 100, 50]
    assert entries[3]["body"]["params"] == {"a": "1"} and entries[3]["body"]["tags"] == {"t": "y"}
    assert [p["step"] for e in entries[:3] for p in e["body"]["metrics"]] == list(range(2500))


def test_spooled_batches_are_merged_up_to_the_limit_on_the_way_out(tmp_path):
    spool = Spool.create(tmp_path / "run", {})
    spool.append([{"op": "create", "body": {}}])
    spool.append(
        [{"op": "log", "body": {"metrics": [point(i) for i in range(j, j + 300)]}} for j in range(0, 1500, 300)]
    )
    spool.append([{"op": "end", "body": {"status": "succeeded"}}])
    requests: list[Request] = list(coalesce(spool.pending()))
    assert [r.op for r in requests] == ["create", "log", "log", "end"]
    assert [len(r.body["metrics"]) for r in requests[1:3]] == [900, 600]
    assert len(requests[1].parts) == 3
    spool.unlock()


def test_a_tight_loop_of_2500_points_reaches_the_server_once_each_in_batches_of_at_most_1000(orchestrator):
    run = reslab.init(project="p", experiment="e")
    for step in range(2500):
        run.log({"loss": step / 2500})
    assert run.finish(timeout=10)
    bodies = orchestrator.logs(run.id)
    assert all(len(body["metrics"]) <= MAX_METRICS for body in bodies)
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(2500))
    assert [method_path[1] for method_path in orchestrator.requests][0] == "/external-runs"
    assert orchestrator.requests[-1][1] == f"/external-runs/{run.id}/end"
    assert orchestrator.runs[run.id]["status"] == "succeeded"


def test_step_counts_up_from_the_last_call_as_wandb_does(orchestrator):
    run = reslab.init()
    run.log({"a": 1})
    run.log({"a": 2})
    run.log({"a": 3}, step=10)
    run.log({"a": 4, "nested": {"b": 5}})
    assert run.finish(timeout=10)
    assert [(p["step"], p["value"]) for p in orchestrator.points(run.id, "a")] == [(0, 1), (1, 2), (10, 3), (11, 4)]
    assert [p["step"] for p in orchestrator.points(run.id, "nested/b")] == [11]
