"""Curvature of the trained net's loss (issue 11 §3): the Hessian's top eigenvalue and trace, with 95% intervals.

The first `evalImages` images of `split` are cut into `batches` batches (as even as possible). Each batch is one
unit, `batch:<b>`: the Hessian of that batch's mean cross-entropy (nats, no label smoothing) with respect to every
trainable parameter, BatchNorm in eval mode (the checkpoint's running statistics, so the loss of an image does not
depend on the others in its batch), estimated by power iteration and Hutchinson's estimator on Hessian-vector
products (reslab_engine.hessian). The last unit, `estimate`, reads the batch parts and gives:

- topEigenvalue: the mean over batches, 95% interval mean ± t(0.975, n-1)·s/√n over the n batches. With one batch
  the interval is the point: one estimate says nothing about its spread. A batch's top eigenvalue is not the
  whole set's (the largest eigenvalue is convex in H, so the mean over batches is biased upwards, more so for
  small batches); the interval is over batches of this size.
- trace: the mean over all probes × batches, interval over those values (pooled from each batch's mean and std).
"""

from typing import Any

import torch

from .. import hessian
from ..data.batches import normalise
from .runner import AnalysisContext

ESTIMATE = "estimate"


def _generator(seed: int, batch: int) -> torch.Generator:
    # batches <= 64 (CurvatureParams), so (seed, batch) pairs never share a stream; a resumed batch redraws its own.
    return torch.Generator().manual_seed(seed * 64 + batch)


class CurvatureAnalysis:
    def __init__(self, context: AnalysisContext):
        self.context = context
        self.params = context.params
        images = context.split(self.params["split"], self.params["evalImages"])
        self.images = images
        count = min(self.params["batches"], len(images))
        self.slices = torch.tensor_split(torch.arange(len(images)), count)

    def units(self) -> list[str]:
        return [f"batch:{index}" for index in range(len(self.slices))] + [ESTIMATE]

    def compute(self, unit: str, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        if unit == ESTIMATE:
            return self._estimate(parts)
        return self._batch(int(unit.removeprefix("batch:")))

    def _batch(self, index: int) -> dict[str, Any]:
        data, model, params = self.context.data, self.context.model, self.params
        rows = self.slices[index].to(self.images.labels.device)
        x = normalise(self.images.images[rows], data.mean, data.std)
        model.eval()
        result = hessian.batch_curvature(
            model,
            x,
            self.images.labels[rows],
            iterations=params["iterations"],
            tolerance=params["tolerance"],
            probes=params["probes"],
            generator=_generator(params["seed"], index),
        )
        return {
            "section": "curvature.batch",
            "images": len(rows),
            "topEigenvalue": result.top_eigenvalue,
            "iterations": result.iterations,
            "converged": result.converged,
            "trace": result.trace,
            "traceStd": result.trace_std,
            "probes": result.probes,
        }

    def _estimate(self, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        batches = [parts[f"batch:{index}"] for index in range(len(self.slices))]
        eigenvalues = [batch["topEigenvalue"] for batch in batches]
        eigen_mean, eigen_std, n = hessian.pooled([(value, 0.0, 1) for value in eigenvalues])
        trace, trace_std, samples = hessian.pooled([(b["trace"], b["traceStd"], b["probes"]) for b in batches])
        return {
            "section": "curvature.estimate",
            "images": sum(batch["images"] for batch in batches),
            "topEigenvalue": eigen_mean,
            "topEigenvalueCi": list(hessian.interval(eigen_mean, eigen_std, n)),
            "trace": trace,
            "traceCi": list(hessian.interval(trace, trace_std, samples)),
            "batches": [
                {key: batch[key] for key in ("topEigenvalue", "iterations", "converged", "trace", "traceStd")}
                for batch in batches
            ],
            "probes": batches[0]["probes"],
        }


def build(context: AnalysisContext) -> CurvatureAnalysis:
    return CurvatureAnalysis(context)
