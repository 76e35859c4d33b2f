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
from mlflow.entities import Metric, Param, RunTag

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


# MLflow's own limits on one log_batch (mlflow/utils/validation.py): 1000 metrics, 100 params of 6000 characters,
# 100 tags of 8000. Its client sends them as two requests, the first about 1.4 MB of JSON.
BATCH_METRICS, BATCH_PARAMS, BATCH_TAGS = 1000, 100, 100
PARAM_LENGTH, TAG_LENGTH = 6000, 8000


def evaluate_and_resume(experiment_name: str) -> dict:
    """What follows training in practice: an evaluation script logs test metrics to the ended run with
    MlflowClient, then training resumes in it (start_run(run_id=...)), logs more and ends it again, and a later
    look marks it FAILED (set_terminated, which overwrites the end); and a log_batch at MLflow's full limits. Returns
    what the run looked like at each stage."""
    mlflow.set_experiment(experiment_name)
    client = MlflowClient()
    with mlflow.start_run(run_name="resumable") as run:
        mlflow.log_metric("train_loss", 1.0, step=0)
    run_id = run.info.run_id
    ended = client.get_run(run_id).info

    client.log_metric(run_id, "test_accuracy", 0.93)
    client.log_param(run_id, "eval_split", "test")
    client.set_tag(run_id, "evaluated", "yes")
    # Longer than MLflow's limits: its server keeps the first PARAM_LENGTH and TAG_LENGTH characters.
    client.log_param(run_id, "notes", "n" * (PARAM_LENGTH + 1000))
    client.set_tag(run_id, "summary", "s" * (TAG_LENGTH + 1000))
    after_eval = client.get_run(run_id)

    with mlflow.start_run(run_id=run_id):
        during = client.get_run(run_id).info
        mlflow.log_metric("train_loss", 0.5, step=1)
        mlflow.log_param("resumed", "yes")
    resumed = client.get_run(run_id)
    client.set_terminated(run_id, "FAILED")
    overwritten = client.get_run(run_id).info

    metrics = [Metric("batch_metric", step / 7, 1_700_000_000_000 + step, step) for step in range(BATCH_METRICS)]
    params = [Param(f"p{i:03d}", f"{i:03d}".ljust(PARAM_LENGTH, "p")) for i in range(BATCH_PARAMS)]
    tags = [RunTag(f"t{i:03d}", f"{i:03d}".ljust(TAG_LENGTH, "t")) for i in range(BATCH_TAGS)]
    with mlflow.start_run(run_name="full-batch") as batch_run:
        client.log_batch(batch_run.info.run_id, metrics=metrics, params=params, tags=tags)
    batched = client.get_run(batch_run.info.run_id)
    batch_history = client.get_metric_history(batch_run.info.run_id, "batch_metric")

    return {
        "ended": {"status": ended.status, "has_end_time": ended.end_time is not None},
        "after_evaluation": {
            "status": after_eval.info.status,
            "same_end_time": after_eval.info.end_time == ended.end_time,
            "metrics": after_eval.data.metrics,
            "params": {k: v for k, v in after_eval.data.params.items() if k != "notes"},
            "evaluated": after_eval.data.tags.get("evaluated"),
            "cut_to": [len(after_eval.data.params["notes"]), len(after_eval.data.tags["summary"])],
        },
        # MLflow's server keeps the end time its client sends back on a resume (the old one); ResLab has none.
        "during_resume": {"status": during.status, "end_time_kept": during.end_time == ended.end_time},
        "resumed": {
            "status": resumed.info.status,
            "ended_again": resumed.info.end_time is not None and resumed.info.end_time >= ended.end_time,
            "train_loss": [(m.step, m.value) for m in client.get_metric_history(run_id, "train_loss")],
            "metrics": resumed.data.metrics,
            "params": dict(sorted((k, v) for k, v in resumed.data.params.items() if k != "notes")),
        },
        "overwritten": {
            "status": overwritten.status,
            "end_time_moved": overwritten.end_time is not None and overwritten.end_time >= resumed.info.end_time,
        },
        "full_batch": {
            "params_stored": batched.data.params == {p.key: p.value for p in params},
            "tags_stored": all(batched.data.tags.get(t.key) == t.value for t in tags),
            "history_stored": [(m.step, m.value) for m in batch_history] == [(m.step, m.value) for m in metrics],
        },
    }


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
    # Last, in an experiment of its own: the reads above see only the two runs.
    later = evaluate_and_resume(f"{experiment_name}-later")

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
                "later": later,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
