"""Logs `steps` metric points per key at a steady pace, then one test epoch, and reports what it logged and how long
its slowest log() call took. test/e2e/sdk.test.ts runs it while it stops and restarts the orchestrator, and while it
is down (then `python -m reslab sync` uploads what it spooled).

    python test/sdk/log_steps.py <steps> <seconds between steps> <finish timeout>

stdout: one JSON line, {"run", "steps", "maxLogSeconds", "finished", "epoch"}.
"""

import json
import sys
import time

import reslab

steps, interval, finish_timeout = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
run = reslab.init(experiment="outage", config={"steps": steps}, class_names=["cat", "dog", "bird"])
print(json.dumps({"started": run.id}), flush=True)
slowest = 0.0
for step in range(steps):
    started = time.perf_counter()
    run.log({"loss": 1 / (step + 1), "progress": step / steps})
    slowest = max(slowest, time.perf_counter() - started)
    time.sleep(interval)
labels = [0, 0, 1, 1, 1, 2, 2, 2, 2, 0]
predictions = [0, 1, 1, 1, 2, 2, 2, 0, 2, 0]
epoch = run.log_epoch(split="test", loss=0.5, y_true=labels, y_pred=predictions, lr=0.1, seconds=1.5)
finished = run.finish(timeout=finish_timeout)
report = {"run": run.id, "steps": steps, "maxLogSeconds": slowest, "finished": finished, "epoch": epoch}
print(json.dumps(report), flush=True)
