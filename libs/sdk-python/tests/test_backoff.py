"""Capped exponential backoff with jitter, and retries of 5xx and 429 only."""

import time

import reslab
from reslab.backoff import Backoff


def test_each_wait_lies_between_half_and_all_of_a_doubling_ceiling_capped_at_cap():
    low, high = Backoff(base=0.5, cap=10, random=lambda: 0.0), Backoff(base=0.5, cap=10, random=lambda: 1.0)
    assert [low.delay(n) for n in range(7)] == [0.25, 0.5, 1, 2, 4, 5, 5]
    assert [high.delay(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert high.delay(1000) == 10  # no overflow after a long outage


def test_retry_after_is_a_floor():
    backoff = Backoff(base=0.5, cap=10, random=lambda: 0.0)
    assert backoff.delay(0, retry_after=3) == 3
    assert backoff.delay(6, retry_after=1) == 5


def test_503_and_429_are_retried_until_the_batch_is_taken_and_it_is_stored_once(orchestrator):
    run = reslab.init()
    orchestrator.faults = [503, 502, 429]
    for step in range(20):
        run.log({"loss": step}, step=step)
    assert run.finish(timeout=20)
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(20))
    # Three refusals then the batch (and the end): the same points were sent four times, stored once.
    sent = [body for body in orchestrator.logs(run.id) if body["metrics"]]
    assert len(sent) == 4 and all(body == sent[0] for body in sent)


def test_a_create_and_a_batch_whose_answers_were_lost_are_sent_again_and_count_once(orchestrator):
    orchestrator.faults = ["lost"]
    run = reslab.init()  # created, its answer lost: the uploader sends the create again, which answers the same run
    for step in range(10):
        run.log({"loss": step / 10}, step=step)
    time.sleep(2)  # the create has gone again, once its backoff passed
    orchestrator.faults = ["lost"]
    run.log({"loss": 1.0}, step=10)
    assert run.finish(timeout=20)
    assert [path for _, path, _ in orchestrator.requests][:2] == ["/external-runs", "/external-runs"]
    assert list(orchestrator.runs) == [run.id]
    sent = [body for body in orchestrator.logs(run.id) if body["metrics"]]
    assert len(sent) == 3 and sent[1] == sent[2]  # the same points, timestamps and all
    assert [p["step"] for p in orchestrator.points(run.id, "loss")] == list(range(11))
