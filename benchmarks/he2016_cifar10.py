"""He et al. 2016 §4.2 on CIFAR-10, the full recipe, for a GPU: test error against the paper's Table 6.

The runs come from the ready sweep example, expanded by the CLI without a server, so the recipe has one home:
    node apps/cli/dist/main.js sweep expand apps/cli/examples/he2016-cifar10.yaml
Each selected run trains as the worker trains it (`python -m reslab_engine train`), several at once on one GPU
(a ResNet-20 step at batch 128 leaves most of an H200 idle). It prints, per run: the final training error, the
test error of the final weights (evaluated once, never the best epoch), the wall time and the iterations per
second, beside the published figures.

    .venv/bin/python benchmarks/he2016_cifar10.py --nets resnet20,plain20 --data-root /data/cifar-10-batches-py
    # the same machinery on a CPU, a few iterations, to check the script before spending device time:
    .venv/bin/python benchmarks/he2016_cifar10.py --nets resnet20,plain20 --device cpu --epochs 1 --train-subset 600
"""

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from engine_process import ROOT, run_engine

EXAMPLES = {
    "he2016-cifar10": ROOT / "apps" / "cli" / "examples" / "he2016-cifar10.yaml",
    "he2016-cifar10-110": ROOT / "apps" / "cli" / "examples" / "he2016-cifar10-110.yaml",
}
# He et al. 2016, Table 6 (CIFAR-10 test error, %); ResNet-110 is "best (mean ± std)" of 5 runs: 6.43 (6.61±0.16).
PAPER = {"resnet20": 8.75, "resnet32": 7.51, "resnet44": 7.17, "resnet56": 6.97, "resnet110": 6.43}
# A published re-implementation of the same recipe (Y. Idelbayev, "Proper ResNet implementation for CIFAR10/
# CIFAR100 in PyTorch", 2018).
REPRODUCTION = {"resnet20": 8.27}


def expand(example: Path) -> list[dict]:
    done = subprocess.run(
        ["node", str(ROOT / "apps" / "cli" / "dist" / "main.js"), "sweep", "expand", str(example)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{example}: {done.stderr.strip() or 'sweep expand failed'} (is the CLI built? make setup)")
    return [json.loads(line) for line in done.stdout.splitlines()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nets", default="resnet20,plain20", help="model names, e.g. resnet20,plain56,resnet110")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu", "auto"])
    parser.add_argument("--data-root", help="folder of the CIFAR-10 python release (cifar-10-batches-py)")
    parser.add_argument("--parallel", type=int, default=2, help="runs at once on the one device")
    parser.add_argument("--epochs", type=int, help="override, for a quick check only (the recipe: 182)")
    parser.add_argument("--train-subset", type=int, help="override, for a quick check only")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    args = parser.parse_args()

    nets, seeds = args.nets.split(","), {int(s) for s in args.seeds.split(",")}
    plans = [plan for example in EXAMPLES.values() for plan in expand(example)]
    chosen = []
    for plan in plans:
        model = plan["config"]["model"]
        if f"{model['arch']}{model['depth']}" in nets and plan["config"]["seed"] in seeds:
            config = plan["config"]
            config["device"] = args.device
            config["diagnostics"] = {"gradFlowBatches": 0}  # a diagnostic, not the recipe: skip its cost
            if args.data_root:
                # data.root is a folder name under RESLAB_DATA_DIRS, as on a worker.
                folder = Path(args.data_root).resolve()
                os.environ["RESLAB_DATA_DIRS"] = str(folder.parent)
                config["data"]["root"] = folder.name
            if args.epochs:
                config["epochs"] = args.epochs
            if args.train_subset:
                config["data"]["trainSubset"] = args.train_subset
                config["data"]["valSize"] = min(config["data"]["valSize"], args.train_subset // 6)
            chosen.append((plan["name"], config))
    known = sorted({f"{p['config']['model']['arch']}{p['config']['model']['depth']}" for p in plans})
    if not chosen:
        parser.error(f"--nets {args.nets} --seeds {args.seeds} match no run; the examples have {', '.join(known)}")
    quick = args.epochs or args.train_subset
    check = " (QUICK CHECK, not the recipe)" if quick else ""
    print(f"{len(chosen)} runs, {args.parallel} at a time on {args.device}{check}")

    def one(item):
        name, config = item
        result = run_engine(config, python=Path(sys.executable))  # the Python this script runs under: it has torch
        iterations = result.curves["train"][-1][0]
        return name, config, result, iterations

    rows = []
    with ThreadPoolExecutor(args.parallel) as pool:
        for name, config, result, iterations in pool.map(one, chosen):
            net = f"{config['model']['arch']}{config['model']['depth']}"
            row = {
                "run": name,
                "iterations": iterations,
                "trainError": 100 * result.curves["train"][-1][1],
                "testError": 100 * result.test_error,
                "paper": PAPER.get(net),
                "reproduction": REPRODUCTION.get(net),
                "seconds": round(result.seconds, 1),
                "iterationsPerSecond": round(iterations / result.seconds, 1),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| run | iterations | final train error % | test error % | paper (Table 6) | reproduction | time |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['run']} | {r['iterations']:,} | {r['trainError']:.2f} | {r['testError']:.2f} | "
            f"{r['paper'] or '-'} | {r['reproduction'] or '-'} | {r['seconds'] / 60:.1f} min |"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
