"""What MLflow's client raises for requests a server refuses, printed as JSON: the error code the client read
back (MlflowException.error_code) and its message. Run by test/e2e/mlflow-client.test.ts against ResLab and
against a real MLflow server, whose codes must agree.

Usage: python probe_errors.py <probe> [<probe> ...], each one of: missing-run, list-experiments, log-artifact
"""

import json
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

# A well-formed run id that no server has.
MISSING_RUN = "00000000-0000-4000-8000-000000000000"


def missing_run() -> None:
    MlflowClient().get_run(MISSING_RUN)


def list_experiments() -> None:
    MlflowClient().search_experiments()


def log_artifact() -> None:
    mlflow.set_experiment("probe-artifacts")
    with mlflow.start_run():
        mlflow.log_text("hello", "notes/hello.txt")


PROBES = {"missing-run": missing_run, "list-experiments": list_experiments, "log-artifact": log_artifact}


def attempt(probe) -> dict:
    try:
        probe()
        return {"ok": True}
    except MlflowException as error:
        return {"error_code": error.error_code, "message": error.message}
    except Exception as error:  # what the client raises outside MlflowException (e.g. requests' HTTPError)
        return {"error": type(error).__name__, "message": str(error)}


if __name__ == "__main__":
    print(json.dumps({name: attempt(PROBES[name]) for name in sys.argv[1:]}, indent=1))
