"""A 4xx is never retried: a bad field is raised on the script's next call naming it, a refused key or project at
init at once, and a key revoked mid-run stops the uploads with everything kept in the spool."""

import json
import time

import pytest

import reslab
from reslab.settings import spool_root
from reslab.spool import REJECTED


def wait_for_requests(orchestrator, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(orchestrator.requests) < count:
        assert time.monotonic() < deadline, orchestrator.requests
        time.sleep(0.05)


def test_a_refused_batch_is_raised_on_the_next_call_naming_the_field_and_not_sent_again(orchestrator, capsys):
    run = reslab.init()
    orchestrator.faults = [400]
    run.log({"loss": 1.0})
    wait_for_requests(orchestrator, 2)  # the create, the refused batch
    time.sleep(0.2)
    with pytest.raises(reslab.ReslabError, match=r"refused a batch .*\(400\): injected fault"):
        run.log({"loss": 2.0})
    assert "reslab: the orchestrator refused a batch" in capsys.readouterr().err
    run.log({"loss": 3.0})  # raised once; logging goes on
    assert run.finish(timeout=10)
    bodies = [body for body in orchestrator.logs(run.id) if body["metrics"]]
    assert [p["value"] for body in bodies for p in body["metrics"]] == [1.0, 3.0]  # 1.0 once, refused; 2.0 never sent
    rejected = [json.loads(line) for line in (spool_root() / run.id / REJECTED).read_text().splitlines()]
    assert rejected[0]["reason"] == "injected fault" and rejected[0]["body"]["metrics"][0]["value"] == 1.0


def test_a_field_the_server_names_is_in_the_message(orchestrator):
    from reslab.settings import resolve
    from reslab.transport import Refused, Transport

    run = reslab.init()
    with pytest.raises(Refused, match=r"metrics.0.key"):
        Transport(resolve()).post(
            f"/external-runs/{run.id}/log", {"metrics": [{"key": "a+b", "value": 1, "step": 0, "timestamp": 1}]}
        )
    assert run.finish(timeout=10)


def test_a_refused_key_raises_at_init_and_leaves_nothing_behind(orchestrator, monkeypatch):
    monkeypatch.setenv("RESLAB_API_KEY", "rsk_wrong")
    with pytest.raises(reslab.ReslabError, match=r"refused the run \(the key from RESLAB_API_KEY was refused\)"):
        reslab.init()
    assert not any(spool_root().iterdir())
    assert len(orchestrator.requests) == 1  # a 401 is not retried


def test_no_key_at_all_says_how_to_get_one(monkeypatch):
    monkeypatch.delenv("RESLAB_API_KEY")
    with pytest.raises(reslab.ReslabError, match=r"no API key .*RESLAB_API_KEY.*reslab keys create"):
        reslab.init()


def test_an_unknown_project_raises_at_init(orchestrator):
    with pytest.raises(reslab.ReslabError, match="project nope not found"):
        reslab.init(project="nope")


def test_a_key_revoked_mid_run_stops_uploads_and_keeps_the_spool(orchestrator):
    run = reslab.init()
    orchestrator.faults = [401]
    run.log({"loss": 1.0})
    wait_for_requests(orchestrator, 2)
    time.sleep(0.2)
    with pytest.raises(reslab.ReslabError, match=r"refused run .* logs \(401\).*python -m reslab sync"):
        run.log({"loss": 2.0})
    assert not run.finish(timeout=2)
    assert len(orchestrator.requests) == 2  # nothing more was sent
    assert (spool_root() / run.id).is_dir()


def test_bad_values_raise_at_the_call_that_made_them():
    run = reslab.init()
    with pytest.raises(ValueError, match=r"log: 'a\+b' is not a valid name"):
        run.log({"a+b": 1})
    with pytest.raises(ValueError, match="log: loss: expected a number, got str"):
        run.log({"loss": "high"})
    run.log_params({"lr": 0.1})
    with pytest.raises(ValueError, match="log_params: lr is already '0.1'; params are write-once"):
        run.log_params({"lr": 0.2})
    assert run.finish(timeout=10)
    with pytest.raises(reslab.ReslabError, match="is finished"):
        run.log({"loss": 1})


def test_nan_and_infinities_travel_as_mlflow_spells_them(orchestrator):
    run = reslab.init()
    run.log({"a": float("nan"), "b": float("inf"), "c": float("-inf")})
    assert run.finish(timeout=10)
    values = {p["key"]: p["value"] for p in orchestrator.runs[run.id]["points"]}
    assert values == {"a": "NaN", "b": "Infinity", "c": "-Infinity"}


def test_the_context_manager_ends_a_run_failed_on_an_exception(orchestrator):
    with pytest.raises(RuntimeError), reslab.init() as run:
        raise RuntimeError("diverged")
    assert orchestrator.runs[run.id]["status"] == "failed"
    with reslab.init() as ok:
        ok.log({"x": 1})
    assert orchestrator.runs[ok.id]["status"] == "succeeded"
