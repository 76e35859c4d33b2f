"""init(id=..., resume=True) runs an ended run again and continues its counts, as W&B's resume does; an id without
resume logs into that run as it is. Against the test's server, which keeps the orchestrator's rules (conftest)."""

import uuid

import pytest

import reslab

LABELS = [0, 1, 1, 0]


def paths(orchestrator, run_id: str) -> list[str]:
    """The run's POSTs, in order: create, /log, /end, /resume."""
    prefix = f"/external-runs/{run_id}"
    posts = [(path, body) for method, path, body in orchestrator.requests if method == "POST"]
    return [
        "create" if path == "/external-runs" else path.removeprefix(prefix)
        for path, body in posts
        if path.startswith(prefix) or (path == "/external-runs" and body["id"] == run_id)
    ]


def test_resume_runs_an_ended_run_again_and_continues_its_steps_and_epochs(orchestrator):
    first = reslab.init(project="p", config={"lr": 0.1})
    for step in range(3):
        first.log({"loss": 1 / (step + 1)})
    first.log_epoch(split="test", loss=0.5, y_true=LABELS, y_pred=LABELS)
    assert first.finish()
    assert orchestrator.runs[first.id]["status"] == "succeeded"
    ended_at = orchestrator.runs[first.id]["endTime"]

    run = reslab.init(project="p", id=first.id, resume=True)
    assert run.id == first.id
    assert orchestrator.runs[first.id]["status"] == "running"
    assert orchestrator.runs[first.id]["endTime"] is None
    run.log({"loss": 0.1})  # no step: one past the run's last, 2
    entry = run.log_epoch(split="test", loss=0.4, y_true=LABELS, y_pred=LABELS)
    assert entry["epoch"] == 2
    assert run.finish("failed")
    assert [p["step"] for p in orchestrator.points(first.id, "loss")] == [0, 1, 2, 3]
    assert [e["epoch"] for e in orchestrator.runs[first.id]["epochs"]] == [1, 2]
    # The second end overwrites the first's status and end time, as the orchestrator does.
    assert orchestrator.runs[first.id]["status"] == "failed"
    assert orchestrator.runs[first.id]["endTime"] >= ended_at
    assert paths(orchestrator, first.id).count("/resume") == 1
    # The resume is sent right after the create, before anything the resumed script logs.
    sent = paths(orchestrator, first.id)
    assert sent[sent.index("/resume") - 1 :] == ["create", "/resume", "/log", "/end"]


def test_an_id_without_resume_logs_into_the_run_as_it_is(orchestrator):
    first = reslab.init()
    first.finish()
    run = reslab.init(id=first.id)
    assert orchestrator.runs[first.id]["status"] == "succeeded"
    run.log({"late/accuracy": 0.9}, step=7)
    assert run.finish()
    assert "/resume" not in paths(orchestrator, first.id)
    assert [p["step"] for p in orchestrator.points(first.id, "late/accuracy")] == [7]
    assert orchestrator.runs[first.id]["status"] == "succeeded"


def test_resume_of_an_id_not_yet_there_makes_the_run(orchestrator):
    run_id = str(uuid.uuid4())
    run = reslab.init(id=run_id, resume=True)
    run.log({"loss": 1.0})
    assert run.finish()
    assert orchestrator.runs[run_id]["status"] == "succeeded"
    assert [p["step"] for p in orchestrator.points(run_id, "loss")] == [0]


def test_resume_needs_an_id_and_an_id_is_a_uuid():
    with pytest.raises(ValueError, match=r"init: resume: needs the id"):
        reslab.init(resume=True)
    with pytest.raises(ValueError, match=r"init: id: expected a uuid"):
        reslab.init(id="my-run")
