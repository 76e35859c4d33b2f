"""The degradation fidelity study: what it takes, on a 2-core CPU, for He et al. 2016 Fig. 6 to show with the
paper's He initialisation and BatchNorm.

Every variant trains plain and residual CIFAR-style nets at depths 20 and 56 over the given seeds, each run as
the worker runs it: `python -m reslab_engine train --config run.json --out DIR`, one engine process per core
with OMP_NUM_THREADS=1. The study reads the engines' JSONL event streams and prints, per variant:
- training error against iterations (the running mean over each epoch's batches, in train-mode BN, as He et al.
  plot the thin curves of Fig. 6), mean over seeds;
- final training error, val error and the test error of the final weights (evaluated once, at the end), as
  mean ± std over seeds;
- the two gaps of Fig. 6 (plain-56 - plain-20, and plain-56 - resnet-56) against the spread over seeds;
- the wall time of each run.

Results accumulate in a JSON file (one record per run), so an interrupted study resumes where it stopped:
    .venv/bin/python benchmarks/degradation_study.py --variants recipe,constant-lr --seeds 0,1
    .venv/bin/python benchmarks/degradation_study.py --report          # tables from the stored runs only
"""

import argparse
import copy
import json
import os
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from engine_process import ROOT, run_engine

DEFAULT_RESULTS = ROOT / "benchmarks" / "results" / "degradation-study.json"
NETS = [("plain", 20), ("resnet", 20), ("plain", 56), ("resnet", 56)]

# The recipe every variant starts from: the built-in degradation template's (libs/contracts/src/sweeps.ts).
RECIPE = {
    "data": {"dataset": "fashion-mnist", "trainSubset": 20000, "valSize": 2000, "imageSize": 14},
    "optim": {"lr": 0.1, "momentum": 0.9, "weightDecay": 1e-4, "batchSize": 128, "schedule": "step"},
    "epochs": 12,
    "diagnostics": {"gradFlowBatches": 0},
}

# One lever changed at a time from RECIPE (a dotted path -> value); "course" is the 2-epoch recipe of the issue.
VARIANTS: dict[str, dict] = {
    "recipe": {},
    "constant-lr": {"optim.schedule": "constant"},
    "width-8": {"model.width": 8},
    "28px": {"data.imageSize": 28},
    "28px-short": {"data.imageSize": 28, "epochs": 4},
    "short": {"epochs": 4},
    "long": {"epochs": 24},
    "subset-5k": {"data.trainSubset": 5000, "data.valSize": 500, "epochs": 48},
    "warmup": {"optim.warmup": {"lr": 0.01, "iterations": 200}},
    "bn-momentum-0.01": {"model.bnMomentum": 0.01},
    "zero-init": {"model.zeroInitResidual": True},  # Goyal et al. 2017, not the paper's init: for contrast
    "width-8-short": {"model.width": 8, "epochs": 6},
    "short-warmup": {"epochs": 4, "optim.warmup": {"lr": 0.01, "iterations": 200}},
    "constant-lr-bn-0.01": {"optim.schedule": "constant", "model.bnMomentum": 0.01},
    "course": {
        "data.imageSize": 28,
        "optim.schedule": "constant",
        "epochs": 2,
        "diagnostics.gradFlowBatches": 4,
    },
}


def set_path(config: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def run_config(variant: str, arch: str, depth: int, seed: int) -> dict:
    config = copy.deepcopy(RECIPE)
    config["model"] = {"arch": arch, "depth": depth}
    config["seed"] = seed
    config["device"] = "cpu"
    for path, value in VARIANTS[variant].items():
        set_path(config, path, value)
    return config


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def pct(mean: float, std: float) -> str:
    return f"{100 * mean:.1f} ± {100 * std:.1f}"


def summary(results: dict, variants: list[str]) -> list[str]:
    """One line per variant: final training error of each net and the three gaps, mean ± std over seeds."""
    header = ["variant", "iterations", *(f"{arch}-{depth}" for arch, depth in NETS)]
    header += ["degradation", "residual fix", "depth pays"]
    lines = [f"| {' | '.join(header)} |", "|---" * len(header) + "|"]
    for variant in variants:
        finals = {}
        for arch, depth in NETS:
            runs = [v for k, v in results.items() if k.startswith(f"{variant}/{arch}{depth}/")]
            finals[f"{arch}{depth}"] = [r["curves"]["train"][-1][1] for r in runs]
            iterations = runs[0]["curves"]["train"][-1][0] if runs else None
        if not all(len(v) >= 2 for v in finals.values()):
            continue  # fewer than 2 seeds of every net: not a result
        cells = [pct(*mean_std(finals[f"{arch}{depth}"])) for arch, depth in NETS]
        pairs = (("plain56", "plain20"), ("plain56", "resnet56"), ("resnet20", "resnet56"))
        gaps = [pct(*mean_std([w - b for w, b in zip(finals[x], finals[y], strict=True)])) for x, y in pairs]
        lines.append(f"| {variant} | {iterations} | {' | '.join(cells)} | {' | '.join(gaps)} |")
    return lines


def report(results: dict, variants: list[str]) -> str:
    lines = ["Final training error %, mean ± std over seeds; gaps in points (positive: Fig. 6 holds):", ""]
    lines += summary(results, variants)
    for variant in variants:
        runs = {key: value for key, value in results.items() if key.split("/")[0] == variant}
        if not runs:
            continue
        sample = run_config(variant, "resnet", 20, 0)
        lines.append(f"\n### {variant}: {json.dumps(VARIANTS[variant]) if VARIANTS[variant] else 'the recipe'}\n")
        data, optim = sample["data"], sample["optim"]
        lines.append(
            f"{data.get('imageSize', 28)} px, width {sample.get('model', {}).get('width', 16)}, "
            f"{data['trainSubset'] - data['valSize']} training images, {sample['epochs']} epochs, "
            f"lr {optim['lr']} {optim['schedule']}, warm-up {optim.get('warmup')}, "
            f"BN momentum {sample['model'].get('bnMomentum', 0.1)}\n"
        )
        lines.append("| net | seeds | iterations | final train error % | val error % | test error % | time per run |")
        lines.append("|---|---|---|---|---|---|---|")
        finals: dict[str, list[float]] = {}
        for arch, depth in NETS:
            mine = [v for k, v in runs.items() if k.split("/")[1] == f"{arch}{depth}"]
            if not mine:
                continue
            train = [r["curves"]["train"][-1][1] for r in mine]
            val = [r["curves"]["val"][-1][1] for r in mine if r["curves"]["val"]]
            test = [r["testError"] for r in mine]
            finals[f"{arch}{depth}"] = train
            # A run paused by other work on the machine has its time struck (null) and is left out here.
            timed = [r["seconds"] for r in mine if r["seconds"] is not None]
            seconds = f"{statistics.fmean(timed):.0f} s" if timed else "-"
            lines.append(
                f"| {arch}-{depth} | {len(mine)} | {mine[0]['curves']['train'][-1][0]} | {pct(*mean_std(train))} | "
                f"{pct(*mean_std(val)) if val else '-'} | {pct(*mean_std(test))} | {seconds} |"
            )
        lines.append("")
        curve_rows = []
        for arch, depth in NETS:
            mine = [v for k, v in runs.items() if k.split("/")[1] == f"{arch}{depth}"]
            if mine:
                points = zip(*(r["curves"]["train"] for r in mine), strict=False)
                row = [f"{100 * statistics.fmean(p[1] for p in point):.0f}" for point in points]
                curve_rows.append(f"{arch}-{depth}: " + " ".join(row))
        if curve_rows:
            first = next(iter(runs.values()))["curves"]["train"]
            lines.append(f"Training error % by epoch (every {first[0][0]} iterations), mean over seeds:")
            lines.extend(f"- {row}" for row in curve_rows)
        lines.append("")
        lines.extend(gap_lines(finals))
    return "\n".join(lines)


def gap_lines(finals: dict[str, list[float]]) -> list[str]:
    """The two halves of Fig. 6 per seed, so a gap is read against the spread over seeds, not one lucky run."""
    out = []
    for label, worse, better in (
        ("degradation: plain-56 - plain-20", "plain56", "plain20"),
        ("residual fix: plain-56 - resnet-56", "plain56", "resnet56"),
        ("depth pays: resnet-20 - resnet-56", "resnet20", "resnet56"),
    ):
        if worse in finals and better in finals and len(finals[worse]) == len(finals[better]):
            gaps = [w - b for w, b in zip(finals[worse], finals[better], strict=True)]
            spread = max(statistics.stdev(finals[worse]), statistics.stdev(finals[better])) if len(gaps) > 1 else 0
            out.append(
                f"- {label}: {pct(*mean_std(gaps))} points (per seed: "
                f"{', '.join(f'{100 * g:+.1f}' for g in gaps)}; largest seed spread {100 * spread:.1f})"
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="recipe", help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 1, help="engine processes at once")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--report", action="store_true", help="print the tables from stored runs; train nothing")
    args = parser.parse_args()
    variants = list(VARIANTS) if args.report else args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"--variants: unknown {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    if not args.report:
        seeds = [int(s) for s in args.seeds.split(",")]
        todo = [
            (variant, arch, depth, seed)
            for variant in variants
            for seed in seeds
            for arch, depth in sorted(NETS, key=lambda net: -net[1])  # the long runs first: less idle tail
            if f"{variant}/{arch}{depth}/seed{seed}" not in results
        ]
        print(f"{len(todo)} runs to train, {args.parallel} at a time, 1 thread each", flush=True)

        def one(job):
            variant, arch, depth, seed = job
            record = run_engine(run_config(variant, arch, depth, seed), threads=1).record()
            key = f"{variant}/{arch}{depth}/seed{seed}"
            print(
                f"{key}: train error {100 * record['curves']['train'][-1][1]:.1f}%, "
                f"test {100 * record['testError']:.1f}%, {record['seconds']:.0f} s",
                flush=True,
            )
            return key, record

        args.results.parent.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(args.parallel) as pool:
            for future in as_completed([pool.submit(one, job) for job in todo]):
                key, record = future.result()
                results[key] = record
                args.results.write_text(json.dumps(results, indent=1, sort_keys=True))
    print(report(results, variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
