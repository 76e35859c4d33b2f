"""Curvature of the loss surface: the Hessian's top eigenvalue and its trace, from Hessian-vector products.

H is the Hessian of the batch's mean cross-entropy (nats, no label smoothing) with respect to every trainable
parameter, P of them; it is never formed (P is 0.27M for ResNet-20). Each product Hv is a second backward pass
through the gradient's graph (Pearlmutter 1994): g = dL/dw with create_graph=True, then Hv = d(g . v)/dw.
Double backward rather than torch.func: the gradient's graph is built once per batch and reused by every product
(about 50 per batch), the net runs as the module it is (in-place ReLUs, BatchNorm buffers) with no functional_call
rewrite, and `.grad` is never touched, so a training run can measure its net between epochs.

- top eigenvalue: power iteration on Hv (Yao et al. 2020, PyHessian, Alg. 1).
- trace: Hutchinson's estimator, E[z^T H z] = tr(H) for Rademacher z (Hutchinson 1990; PyHessian Alg. 2).

The caller chooses the BatchNorm mode (eval in the analysis, train in the per-epoch diagnostic); random vectors
come from the caller's generator, on the CPU, so the training RNG is never consumed and every device draws the
same vectors.
"""

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

Vectors = list[torch.Tensor]  # one tensor per parameter: a vector in parameter space


@dataclass(frozen=True)
class BatchCurvature:
    top_eigenvalue: float  # Rayleigh quotient v^T H v at the last power-iteration step (nats per unit weight²)
    iterations: int
    converged: bool
    trace: float  # mean of z^T H z over the probes
    trace_std: float  # sample standard deviation of z^T H z over the probes (0 with one probe)
    probes: int


def _dot(a: Vectors, b: Vectors) -> float:
    return float(sum((x.double() * y.double()).sum() for x, y in zip(a, b, strict=True)))


def _normalised(vectors: Vectors) -> Vectors:
    norm = math.sqrt(_dot(vectors, vectors))
    return [v / norm for v in vectors]


def hessian_vector_product(loss: torch.Tensor, params: list[nn.Parameter]) -> Callable[[Vectors], Vectors]:
    """Hv for the Hessian of `loss` with respect to `params`; the first-order graph is kept for every call."""
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def product(vectors: Vectors) -> Vectors:
        inner = sum((g * v).sum() for g, v in zip(grads, vectors, strict=True))
        # allow_unused: a parameter that reaches the loss only linearly (the head's bias) has a zero Hessian row.
        hv = torch.autograd.grad(inner, params, retain_graph=True, allow_unused=True)
        return [torch.zeros_like(p) if h is None else h.detach() for h, p in zip(hv, params, strict=True)]

    return product


def top_eigenvalue(
    hvp: Callable[[Vectors], Vectors], shapes: Vectors, iterations: int, tolerance: float, generator: torch.Generator
) -> tuple[float, int, bool]:
    """Power iteration from a seeded Gaussian start: v <- Hv / ||Hv||, at most `iterations` products, stopping once
    the Rayleigh quotient's relative change is below `tolerance`. Returns (eigenvalue, products, converged).

    Power iteration finds the eigenvalue of largest magnitude. Near a minimum that is the top positive one; where
    a negative eigenvalue dominates (a saddle, an untrained net) the Rayleigh quotient v^T H v converges to it, and
    it is reported as it is, negative, as PyHessian does (Yao et al. 2020) rather than shifting H to find the top
    positive one."""
    v = _normalised([torch.randn(p.shape, generator=generator).to(p) for p in shapes])
    eigenvalue = None
    for step in range(1, iterations + 1):
        hv = hvp(v)
        rayleigh = _dot(v, hv)  # v has unit norm
        if _dot(hv, hv) == 0.0:  # v lies in H's null space (a zero Hessian): no direction to follow
            return rayleigh, step, True
        v = _normalised(hv)
        if eigenvalue is not None and abs(rayleigh - eigenvalue) <= tolerance * (abs(eigenvalue) + 1e-12):
            return rayleigh, step, True
        eigenvalue = rayleigh
    return eigenvalue, iterations, False


def hutchinson_trace(
    hvp: Callable[[Vectors], Vectors], shapes: Vectors, probes: int, generator: torch.Generator
) -> list[float]:
    """z^T H z for `probes` Rademacher vectors z (entries ±1): each an unbiased estimate of tr(H)."""
    samples = []
    for _ in range(probes):
        z = [(torch.randint(0, 2, p.shape, generator=generator) * 2 - 1).to(p) for p in shapes]
        samples.append(_dot(z, hvp(z)))
    return samples


def batch_curvature(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    iterations: int,
    tolerance: float,
    probes: int,
    generator: torch.Generator,
) -> BatchCurvature:
    """Top eigenvalue and trace of the Hessian of the mean cross-entropy of (x, y), in the model's current mode."""
    params = [p for p in model.parameters() if p.requires_grad]
    loss = F.cross_entropy(model(x).float(), y)
    hvp = hessian_vector_product(loss, params)
    eigenvalue, steps, converged = top_eigenvalue(hvp, params, iterations, tolerance, generator)
    samples = hutchinson_trace(hvp, params, probes, generator)
    mean = sum(samples) / probes
    std = math.sqrt(sum((s - mean) ** 2 for s in samples) / (probes - 1)) if probes > 1 else 0.0
    return BatchCurvature(eigenvalue, steps, converged, mean, std, probes)


@contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """BatchNorm on batch statistics (train mode) for a measurement, as SGD sees the net; the running statistics
    that train-mode forwards move, and the model's mode, are put back afterwards."""
    saved = [buffer.detach().clone() for buffer in model.buffers()]
    was_training = model.training
    model.train()
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in zip(model.buffers(), saved, strict=True):
                buffer.copy_(value)
        model.train(was_training)


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile (p > 0.5) for `df` degrees of freedom: Newton's method on the CDF, integrated by
    Simpson's rule from the density. The engine has no SciPy; the test checks this against scipy.stats.t.ppf.
    Starting from the normal quantile, which lies below t's, Newton on the concave CDF climbs monotonically."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def density(t: float) -> float:
        return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))

    def cdf(t: float, intervals: int = 2000) -> float:
        h = t / intervals
        inner = sum((4 if i % 2 else 2) * density(i * h) for i in range(1, intervals))
        return 0.5 + h / 3 * (density(0.0) + inner + density(t))

    t = math.sqrt(2) * _erfinv(2 * p - 1)
    for _ in range(50):
        step = (cdf(t) - p) / density(t)
        t -= step
        if abs(step) < 1e-10 * max(t, 1.0):
            break
    return t


def _erfinv(y: float) -> float:
    return float(torch.erfinv(torch.tensor(y, dtype=torch.float64)))


def pooled(groups: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """Mean, sample standard deviation and count of the union of groups given as (mean, std, count): the same
    figures as over the raw values, so a summary needs only each batch's probe mean and std."""
    n = sum(count for _, _, count in groups)
    mean = sum(m * count for m, _, count in groups) / n
    squares = sum((count - 1) * s * s + count * (m - mean) ** 2 for m, s, count in groups)
    return mean, math.sqrt(squares / (n - 1)) if n > 1 else 0.0, n


def interval(mean: float, std: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided t interval of a mean, mean ± t((1+confidence)/2, n-1) · s/√n; with n = 1 the point itself."""
    if n == 1:
        return mean, mean
    half = t_quantile((1 + confidence) / 2, n - 1) * std / math.sqrt(n)
    return mean - half, mean + half
