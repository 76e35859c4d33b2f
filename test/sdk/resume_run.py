"""Resumes an ended run by its id, as a script started again after its run ended does (W&B's resume): logs one more
point without a step and a test epoch, and finishes it. For test/e2e/sdk.test.ts.

    python test/sdk/resume_run.py <run id>

stdout: one JSON line, {"run", "epoch"}.
"""

import json
import sys

import reslab

run = reslab.init(id=sys.argv[1], resume=True)
run.log({"loss": 0.01})  # no step: one past the run's last
epoch = run.log_epoch(split="test", loss=0.3, y_true=[0, 1, 2], y_pred=[0, 1, 1])
finished = run.finish()
print(json.dumps({"run": run.id, "epoch": epoch["epoch"], "finished": finished}), flush=True)
