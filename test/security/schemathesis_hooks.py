"""schemathesis hooks for test/security/schemathesis.test.ts (loaded through SCHEMATHESIS_HOOKS).

The fuzzer speaks with one credential for the whole run. Two things would end
its run early without finding anything: revoking its own key (every later
request is a 401) and deleting the team it fuzzes (every later launch is a
400). So a DELETE aimed at one of RESLAB_FUZZ_KEEP (the key's id, the team's
id, the admin's user id) is sent to a fresh random id instead: the operation
is still called, and with every other id it is fuzzed as generated.

For the worker routes, a run with a worker's secret: RESLAB_FUZZ_WORKER_ID
and RESLAB_FUZZ_RUN_ID put that worker's own id, and the run it holds, where
the request names a worker or a run (and attempt 1, the one it holds), so the
fuzzed bodies get past "not your id" and the fence to the database.
"""

import os
import uuid

import schemathesis

KEEP = {value for value in os.environ.get("RESLAB_FUZZ_KEEP", "").split(",") if value}
WORKER_ID = os.environ.get("RESLAB_FUZZ_WORKER_ID")
RUN_ID = os.environ.get("RESLAB_FUZZ_RUN_ID")


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters or {}
    if case.method.upper() == "DELETE":
        for name, value in params.items():
            if value in KEEP:
                params[name] = str(uuid.uuid4())
    if WORKER_ID:
        if case.path.startswith("/workers/{id}"):
            params["id"] = WORKER_ID
        elif case.path.startswith("/runs/{id}") and RUN_ID:
            params["id"] = RUN_ID
        # Only where the generated value has the right type: a malformed one still tests the validation.
        if isinstance(case.body, dict) and isinstance(case.body.get("workerId"), str):
            case.body["workerId"] = WORKER_ID
        # A plausible attempt number becomes the held one; zero, negatives and ones past 32 bits stay as generated.
        attempt = case.body.get("attempt") if isinstance(case.body, dict) else None
        if isinstance(attempt, int) and not isinstance(attempt, bool) and 0 < attempt < 2**31:
            case.body["attempt"] = 1
