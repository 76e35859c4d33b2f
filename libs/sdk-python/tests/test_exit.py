"""An unfinished run is finished when the interpreter exits: succeeded, failed after an uncaught exception,
cancelled after Ctrl-C; each in a real child interpreter, against the test's server."""

import subprocess
import sys

import pytest

SCRIPT = """
import reslab
run = reslab.init()
print(run.id, flush=True)
run.log({{"loss": 1.0}})
{ending}
"""


@pytest.mark.parametrize(
    ("ending", "status"),
    [("pass", "succeeded"), ("raise RuntimeError('diverged')", "failed"), ("raise KeyboardInterrupt", "cancelled")],
)
def test_the_exit_hook_ends_the_run_with_how_the_script_ended(orchestrator, ending, status):
    child = subprocess.run([sys.executable, "-c", SCRIPT.format(ending=ending)], capture_output=True, text=True)
    run_id = child.stdout.split()[0]
    assert orchestrator.runs[run_id]["status"] == status, child.stderr
    assert [p["value"] for p in orchestrator.points(run_id, "loss")] == [1.0]
