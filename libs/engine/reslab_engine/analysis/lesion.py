"""The lesion study of Veit et al. 2016, "Residual Networks Behave Like Ensembles of Relatively Shallow Networks":
delete blocks of a trained net at test time, one at a time and k at random, and reorder them (the paper's lesion
study, §4); and read the net as an ensemble of paths (§5, Fig. 6: paths.py).

Units, cheapest first: `baseline`, `block:<name>` for each block of `named_blocks()`, `k:<k>` for k = 1..K,
`reorder`, `paths`. Every error and loss is on the first `evalImages` images of `split`, the same for every net.
Random draws are seeded by `seed` and the unit, so a resumed job draws what the first attempt would have.
"""

import random
import statistics
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data.batches import eval_batches, normalise
from .block_edits import bypassed, deleted, is_residual, reordered, reshapes
from .paths import gradient_by_length
from .runner import AnalysisContext

EVAL_BATCH = 500
GRADIENT_BATCH = 128  # images whose input gradients are averaged for each sampled path
DEFAULT_MAX_K = 12


def kendall_tau(order: list[int]) -> float:
    """Kendall's tau between `order` (a permutation of 0..n-1) and the trained order 0..n-1: (concordant -
    discordant) / C(n, 2) over all pairs of positions. A permutation has no ties, so this is tau-a = tau-b."""
    n = len(order)
    if n < 2:
        return 1.0
    score = sum(1 if order[i] < order[j] else -1 for i in range(n) for j in range(i + 1, n))
    return score / (n * (n - 1) / 2)


def swappable_pairs(stages: list[list[int]], blocks: list[nn.Module]) -> list[tuple[int, int]]:
    """Pairs of blocks that may trade places: same stage, and neither changes the shape (so not a stage's first
    block where the stage downsamples or widens; a first block that keeps the shape, as CIFAR's layer1.0, may)."""
    pairs = []
    for stage in stages:
        keep = [i for i in stage if not reshapes(blocks[i])]
        pairs += [(a, b) for index, a in enumerate(keep) for b in keep[index + 1 :]]
    return pairs


def random_order(n: int, pairs: list[tuple[int, int]], rng: random.Random) -> tuple[list[int], int]:
    """The trained order after a random number of random swaps, 0 to the number of swappable blocks: 0 keeps a
    sample at tau = 1, where the error must equal the baseline."""
    order = list(range(n))
    swaps = rng.randint(0, len({i for pair in pairs for i in pair}))
    for _ in range(swaps):
        a, b = rng.choice(pairs)
        order[a], order[b] = order[b], order[a]
    return order, swaps


class Lesion:
    def __init__(self, context: AnalysisContext):
        params = context.params
        self.params = params
        self.model = context.model
        self.named_blocks = list(self.model.named_blocks())
        self.blocks = [block for _, block in self.named_blocks]
        self.stages = self._stages()
        self.images = context.split(params["split"], params["evalImages"])
        self.mean, self.std = context.data.mean, context.data.std
        self.max_k = min(params.get("maxK") or DEFAULT_MAX_K, len(self.blocks))

    def _stages(self) -> list[list[int]]:
        stages: dict[str, list[int]] = {}
        for index, (name, _) in enumerate(self.named_blocks):
            stages.setdefault(name.split(".")[0], []).append(index)
        return list(stages.values())

    def units(self) -> list[str]:
        units = ["baseline", *(f"block:{name}" for name, _ in self.named_blocks)]
        units += [f"k:{k}" for k in range(1, self.max_k + 1)]
        if self.params["reorderSamples"] > 0:
            units.append("reorder")
        if self.params["pathSamples"] > 0:
            units.append("paths")
        return units

    def compute(self, unit: str, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        kind, _, arg = unit.partition(":")
        if kind == "baseline":
            error, loss = self.evaluate()
            return {
                "section": "lesion.baseline",
                "error": error,
                "loss": loss,
                "images": len(self.images),
                "blocks": len(self.blocks),
            }
        if kind == "block":
            return self.delete_block(arg)
        if kind == "k":
            return self.delete_k(int(arg))
        if kind == "reorder":
            return self.reorder()
        if kind == "paths":
            return self.paths()
        raise ValueError(f"lesion has no unit '{unit}'")

    @torch.inference_mode()
    def evaluate(self) -> tuple[float, float]:
        """Top-1 error and mean cross-entropy (nats per example) of the net as it is now edited."""
        wrong, loss = 0, 0.0
        for x, y in eval_batches(self.images, EVAL_BATCH, self.mean, self.std):
            logits = self.model(x)
            wrong += (logits.argmax(1) != y).sum().item()
            loss += F.cross_entropy(logits.float(), y, reduction="sum").item()
        count = len(self.images)
        return wrong / count, loss / count

    def delete_block(self, name: str) -> dict[str, Any]:
        index = next(i for i, (block_name, _) in enumerate(self.named_blocks) if block_name == name)
        block = self.blocks[index]
        with deleted([block]):
            error, loss = self.evaluate()
        bypass_error = None
        if not is_residual(block) and not reshapes(block):
            with bypassed(block):
                bypass_error, _ = self.evaluate()
        return {
            "section": "lesion.block",
            "block": name,
            "index": index,
            "reshapes": reshapes(block),
            "error": error,
            "loss": loss,
            "bypassError": bypass_error,
        }

    def delete_k(self, k: int) -> dict[str, Any]:
        rng = random.Random(f"lesion:{self.params['seed']}:k:{k}")
        errors = []
        for _ in range(self.params["samplesPerK"]):
            chosen = rng.sample(range(len(self.blocks)), k)
            with deleted(self.blocks[i] for i in chosen):
                errors.append(self.evaluate()[0])
        # Population std: the spread of these samples themselves (the error bars of the paper's error-against-k plot).
        return {
            "section": "lesion.k",
            "k": k,
            "errors": errors,
            "mean": statistics.fmean(errors),
            "std": statistics.pstdev(errors),
        }

    def reorder(self) -> dict[str, Any]:
        pairs = swappable_pairs(self.stages, self.blocks)
        if not pairs:
            return {"section": "lesion.reorder", "samples": []}
        rng = random.Random(f"lesion:{self.params['seed']}:reorder")
        samples = []
        for _ in range(self.params["reorderSamples"]):
            order, swaps = random_order(len(self.blocks), pairs, rng)
            with reordered(self.blocks, order):
                error, _ = self.evaluate()
            samples.append({"tau": kendall_tau(order), "swaps": swaps, "error": error})
        return {"section": "lesion.reorder", "samples": samples}

    def paths(self) -> dict[str, Any]:
        batch = self.images.images[:GRADIENT_BATCH]
        x = normalise(batch, self.mean, self.std)
        y = self.images.labels[:GRADIENT_BATCH]
        rng = random.Random(f"lesion:{self.params['seed']}:paths")
        return gradient_by_length(self.model, self.blocks, x, y, self.params["pathSamples"], rng)


def build(context: AnalysisContext) -> Lesion:
    return Lesion(context)
