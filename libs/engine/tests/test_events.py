"""Every event the engine can emit validates against libs/contracts/json-schema/engine-event.schema.json."""

import copy
import json

from conftest import TINY_CONFIG, run_engine


def assert_valid(events, validator):
    assert events
    for event in events:
        errors = sorted(validator.iter_errors(event), key=str)
        assert not errors, f"{event['type']} event breaks the contract: {errors[0].message}"


def test_training_events_match_contract(tiny_run, event_validator):
    assert_valid(tiny_run.events, event_validator)
    types = [event["type"] for event in tiny_run.events]
    assert types[0] == "run_started" and types[-1] == "run_finished"
    assert {"epoch_metric", "checkpoint"} <= set(types)
    splits = [(e["epoch"], e["split"]) for e in tiny_run.of_type("epoch_metric")]
    assert splits == [(1, "train"), (1, "val"), (2, "train"), (2, "val"), (2, "test")]
    started = tiny_run.events[0]
    assert started["sizes"] == {"train": 1800, "val": 200, "test": 500}
    assert started["startEpoch"] == 1 and started["numClasses"] == 10
    assert [e["epoch"] for e in tiny_run.of_type("checkpoint")] == [1, 2]


def test_optional_metric_fields_and_grad_flow_are_present_so_the_contract_check_covers_them(tiny_run, event_validator):
    for metric in tiny_run.of_type("epoch_metric"):
        assert set(metric["weighted"]) == {"precision", "recall", "f1"}
        assert 0 <= metric["top5"] <= 1  # 10 classes: top-5 is reported
        confusion = metric["confusion"]
        assert len(confusion) == 10 and sum(map(sum, confusion)) == sum(c["support"] for c in metric["perClass"])
    flows = tiny_run.of_type("grad_flow")
    assert flows and all(event["blocks"] for event in flows)
    assert_valid(flows, event_validator)


def test_contract_rejects_a_malformed_grad_flow_event(tiny_run, event_validator):
    # The schema is strict, so the check above is not vacuous: a missing or misnamed field fails it.
    event = copy.deepcopy(tiny_run.of_type("grad_flow")[0])
    event["blocks"][0]["inputGradient"] = event["blocks"][0].pop("inputGradNorm")
    assert list(event_validator.iter_errors(event))


def test_stdout_is_only_json_lines(tiny_run):
    for line in tiny_run.stdout.splitlines():
        json.loads(line)  # raises on any stray print
    assert "NaN" not in tiny_run.stdout and "Infinity" not in tiny_run.stdout


def test_synthetic_data_is_learnable(tiny_run):
    train = [e for e in tiny_run.of_type("epoch_metric") if e["split"] == "train"]
    test = tiny_run.of_type("epoch_metric")[-1]
    assert train[1]["loss"] < train[0]["loss"]
    assert test["accuracy"] > 0.3  # chance is 0.1


def test_error_event_matches_contract(tmp_path, event_validator):
    config = copy.deepcopy(TINY_CONFIG)
    config["model"]["depth"] = 21
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 2
    assert_valid(run.events, event_validator)
    assert [e["type"] for e in run.events] == ["error"]


def test_diverged_event_matches_contract(tmp_path, event_validator):
    config = copy.deepcopy(TINY_CONFIG)
    # lr 10 with weight decay 1 multiplies the weights by (1 - 10) each step: they blow up within a few steps.
    config["optim"].update(lr=10, weightDecay=1, momentum=1)
    run = run_engine(config, tmp_path / "run")
    assert run.returncode == 1
    assert_valid(run.events, event_validator)
    diverged = run.of_type("diverged")
    assert len(diverged) == 1 and diverged[0]["loss"] in ("nan", "inf")
    assert "Traceback" not in run.stderr
