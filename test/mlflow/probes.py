"""Small calls of MLflow's client, each printed as JSON: what it returned, or the error code the client read back
(MlflowException.error_code) and its message. Run by test/e2e/mlflow-client.test.ts against ResLab and against a
real MLflow server, whose answers must agree.

Usage: python probes.py <probe> [<probe> ...], each one of: missing-run, bad-token, log-artifact, log-one
"""

import json
import os
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

# A well-formed run id that no server has.
MISSING_RUN = "00000000-0000-4000-8000-000000000000"


def missing_run():
    return MlflowClient().get_run(MISSING_RUN).info.run_id


def bad_token():
    """The client reads MLFLOW_TRACKING_TOKEN at each request: a revoked or mistyped key."""
    good = os.environ.get("MLFLOW_TRACKING_TOKEN")
    os.environ["MLFLOW_TRACKING_TOKEN"] = "rlk_not-a-real-key"
    try:
        return [e.name for e in MlflowClient().search_experiments()]
    finally:
        if good is not None:
            os.environ["MLFLOW_TRACKING_TOKEN"] = good


def log_artifact():
    mlflow.set_experiment("probe-artifacts")
    with mlflow.start_run():
        mlflow.log_text("hello", "notes/hello.txt")


def log_one():
    """A run in an experiment of its own, read back by name: what a script logging to a team URI does."""
    experiment = mlflow.set_experiment("probe-team")
    with mlflow.start_run(run_name="one") as run:
        mlflow.log_metric("loss", 0.5, step=1)
    found = MlflowClient().search_runs([experiment.experiment_id])
    return {"run_id_matches": [r.info.run_id for r in found] == [run.info.run_id], "loss": found[0].data.metrics}


PROBES = {"missing-run": missing_run, "bad-token": bad_token, "log-artifact": log_artifact, "log-one": log_one}


def attempt(probe) -> dict:
    try:
        return {"ok": probe()}
    except MlflowException as error:
        return {"error_code": error.error_code, "message": error.message}
    except Exception as error:  # what the client raises outside MlflowException (e.g. requests' HTTPError)
        return {"error": type(error).__name__, "message": str(error)}


if __name__ == "__main__":
    print(json.dumps({name: attempt(PROBES[name]) for name in sys.argv[1:]}, indent=1))
