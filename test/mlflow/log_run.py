"""An ordinary MLflow training script, unchanged for ResLab: it logs two runs with the MLflow client's fluent API,
then reads everything back with MlflowClient and prints what it read as one JSON object on stdout.

The tracking server is whatever MLFLOW_TRACKING_URI names (and MLFLOW_TRACKING_TOKEN authenticates): the
compatibility test (test/e2e/mlflow-client.test.ts) runs it against a real MLflow server and against ResLab and
compares the two outputs. Ids and times differ between servers and are left out of what it prints; everything
else must agree.

Usage: python log_run.py <experiment name>
"""

import json
import math
import sys

import mlflow
from mlflow import MlflowClient

STEPS = 100
# Two runs, so that search_runs' filter and order have something to choose between.
RUNS = [
    {"name": "resnet20-lr0.1", "lr": 0.1, "final_accuracy": 0.91},
    {"name": "resnet20-lr0.01", "lr": 0.01, "final_accuracy": 0.87},
]


def train_loss(step: int, lr: float) -> float:
    return 2.3 * (1 - lr) ** step


def log_one(spec: dict) -> str:
    run = mlflow.start_run(run_name=spec["name"])
    mlflow.log_param("lr", spec["lr"])
    mlflow.log_param("depth", 20)
    mlflow.log_params({"optimizer": "sgd", "batch_size": 128})
    for step in range(STEPS):
        mlflow.log_metric("train_loss", train_loss(step, spec["lr"]), step=step)
    mlflow.log_metrics({"val_accuracy": spec["final_accuracy"], "val_loss": 0.3}, step=STEPS - 1)
    # A diverged value: MLflow keeps NaN and the infinities as logged.
    mlflow.log_metric("grad_norm", math.nan, step=STEPS - 1)
    mlflow.log_metric("grad_norm_max", math.inf, step=STEPS - 1)
    mlflow.set_tag("dataset", "cifar10")
    mlflow.end_run()
    return run.info.run_id


def number(value: float):
    """JSON has no NaN or infinity: print them as the strings MLflow's own JSON uses."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def run_view(run) -> dict:
    return {
        "run_name": run.info.run_name,
        "status": run.info.status,
        "lifecycle_stage": run.info.lifecycle_stage,
        "has_end_time": run.info.end_time is not None and run.info.end_time >= run.info.start_time,
        "params": dict(sorted(run.data.params.items())),
        "metrics": {k: number(v) for k, v in sorted(run.data.metrics.items())},
        # mlflow.user, mlflow.source.* and mlflow.runName are set by the client itself, on both servers.
        "tags": dict(sorted(run.data.tags.items())),
    }


def main() -> None:
    experiment_name = sys.argv[1]
    experiment = mlflow.set_experiment(experiment_name)
    run_ids = [log_one(spec) for spec in RUNS]

    client = MlflowClient()
    first = client.get_run(run_ids[0])
    history = client.get_metric_history(run_ids[0], "train_loss")
    nan_history = client.get_metric_history(run_ids[0], "grad_norm")
    found = client.search_runs(
        [experiment.experiment_id],
        filter_string="params.optimizer = 'sgd' and metrics.val_accuracy > 0.5",
        order_by=["metrics.val_accuracy DESC"],
    )
    found_lr = client.search_runs(
        [experiment.experiment_id], filter_string="params.lr = '0.01' and attributes.status = 'FINISHED'"
    )
    by_start = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    # More of the search grammar, each answered by run name: the two servers must choose and order alike.
    filters = {
        f: f
        for f in [
            "attributes.run_name LIKE 'resnet20-lr0.0%'",
            "tags.dataset ILIKE 'CIFAR%'",
            "params.lr != '0.1'",
            "metrics.train_loss <= 0.001",
            "metrics.grad_norm_max > 1e300",
            "params.missing IS NULL AND tags.dataset IS NOT NULL",
        ]
    }
    # Labelled without the id, which differs between servers.
    filters["attributes.run_id IN (<second run>)"] = f"attributes.run_id IN ('{run_ids[1]}')"
    orders = [["params.lr ASC"], ["attributes.run_name DESC"], ["metrics.train_loss ASC"], ["tags.dataset"]]
    names = {
        **{
            label: [r.info.run_name for r in client.search_runs([experiment.experiment_id], f)]
            for label, f in filters.items()
        },
        **{
            " then ".join(o): [r.info.run_name for r in client.search_runs([experiment.experiment_id], order_by=o)]
            for o in orders
        },
    }
    experiments = client.search_experiments(filter_string=f"name = '{experiment_name}'")
    by_name = client.get_experiment_by_name(experiment_name)

    print(
        json.dumps(
            {
                "experiment": {
                    "name": by_name.name,
                    "lifecycle_stage": by_name.lifecycle_stage,
                    "same_id": by_name.experiment_id == experiment.experiment_id,
                },
                "run": run_view(first),
                "history": [{"step": m.step, "value": number(m.value)} for m in history],
                "nan_history": [{"step": m.step, "value": number(m.value)} for m in nan_history],
                "search": [r.info.run_name for r in found],
                "search_accuracy": [number(r.data.metrics["val_accuracy"]) for r in found],
                "search_lr": [r.info.run_name for r in found_lr],
                "by_start_time": [r.info.run_name for r in by_start],
                "searches": names,
                "search_experiments": [e.name for e in experiments],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
