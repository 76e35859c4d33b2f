"""Curvature: the power-iteration eigenvalue and Hutchinson's trace against a Hessian computed exactly on a tiny
residual net, the intervals against SciPy, and the `curvature` analysis and per-epoch diagnostic through the CLI."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import ENGINE_DIR, TINY_CONFIG, EngineRun, engine_env, run_engine
from scipy import stats
from torch.func import functional_call

from reslab_engine import hessian, train
from reslab_engine.config import validate
from reslab_engine.errors import ConfigError
from reslab_engine.models.blocks import BasicBlock, PadShortcut
from reslab_engine.models.cifar_resnet import CifarResNet

# The trained tiny run: the per-epoch diagnostic at epochs 0 and 2; the analysis on 2 batches of 20 images.
RUN = {**TINY_CONFIG, "diagnostics": {"curvatureEvery": 2, "curvatureImages": 32}}
PARAMS = {"split": "train", "evalImages": 40, "batches": 2, "iterations": 6, "probes": 3, "seed": 5}


@pytest.fixture(scope="module")
def tiny_problem():
    """A CIFAR ResNet-8 at width 1 (342 parameters: BN, option A shortcuts, in-place ReLUs) on 16 6x6 images, in
    float64 and eval mode, with running statistics moved off their initial 0 and 1 so BN is a real affine map."""
    torch.manual_seed(0)
    model = CifarResNet(BasicBlock, 1, in_channels=1, num_classes=3, width=1, shortcut=PadShortcut).double().eval()
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    x = torch.randn(16, 1, 6, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (16,))
    return model, x, y


@pytest.fixture(scope="module")
def exact_hessian(tiny_problem) -> torch.Tensor:
    """The full P x P Hessian of the mean cross-entropy, by torch.func.hessian on one flat parameter vector."""
    model, x, y = tiny_problem
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])

    def loss(weights: torch.Tensor) -> torch.Tensor:
        pieces = [piece.view(shape) for piece, shape in zip(torch.split(weights, sizes), shapes, strict=True)]
        return F.cross_entropy(functional_call(model, dict(zip(names, pieces, strict=True)), (x,)), y)

    matrix = torch.func.hessian(loss)(flat)
    assert matrix.shape == (342, 342)
    return matrix


def test_power_iteration_matches_the_exact_top_eigenvalue_within_1_percent(tiny_problem, exact_hessian):
    model, x, y = tiny_problem
    eigenvalues = torch.linalg.eigvalsh(exact_hessian)
    top = float(eigenvalues[-1])
    assert top > abs(float(eigenvalues[0])), "the largest eigenvalue dominates in magnitude on this net"
    # The analysis's defaults (30 steps, tolerance 1e-3) and a tight run, from several start vectors.
    for iterations, tolerance in ((30, 1e-3), (500, 1e-9)):
        for seed in range(3):
            generator = torch.Generator().manual_seed(seed)
            result = hessian.batch_curvature(model, x, y, iterations, tolerance, 1, generator)
            assert result.converged
            assert result.top_eigenvalue == pytest.approx(top, rel=0.01)
    assert result.top_eigenvalue == pytest.approx(top, rel=1e-6)


def test_hutchinson_trace_lies_within_its_interval_of_the_exact_trace(tiny_problem, exact_hessian):
    model, x, y = tiny_problem
    probes = 120
    result = hessian.batch_curvature(model, x, y, 1, 1e-3, probes, torch.Generator().manual_seed(1))
    exact = float(exact_hessian.trace())
    # Var(z^T H z) = 2 sum_{i != j} H_ij^2 for Rademacher z: the estimator's exact spread on this net.
    spread = math.sqrt(2 * (float(exact_hessian.pow(2).sum()) - float(exact_hessian.diagonal().pow(2).sum())))
    low, high = hessian.interval(result.trace, result.trace_std, probes)
    assert low <= exact <= high
    assert abs(result.trace - exact) <= 4 * spread / math.sqrt(probes)  # the stated tolerance: 4 standard errors
    assert result.trace_std == pytest.approx(spread, rel=0.2)


def test_a_dominant_negative_eigenvalue_is_reported_with_its_sign():
    diagonal = torch.tensor([-3.0, 1.0, 2.0, 0.5], dtype=torch.float64)

    def hvp(vectors):
        return [diagonal * vectors[0]]

    eigenvalue, steps, converged = hessian.top_eigenvalue(hvp, [diagonal], 200, 1e-10, torch.Generator().manual_seed(0))
    assert converged and steps < 200
    assert eigenvalue == pytest.approx(-3.0, rel=1e-6)
    traces = hessian.hutchinson_trace(hvp, [diagonal], 5, torch.Generator().manual_seed(0))
    assert traces == pytest.approx([0.5] * 5)  # a diagonal H: z^T H z = tr(H) exactly, whatever the signs of z


@pytest.mark.parametrize("df", [1, 2, 3, 7, 15, 63, 1023])
def test_t_quantile_matches_scipy(df):
    assert hessian.t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)


def test_pooled_groups_give_the_figures_of_the_raw_values():
    values = torch.randn(24, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3 + 1
    groups = [(float(g.mean()), float(g.std()), len(g)) for g in values.split([6, 6, 12])]
    mean, std, n = hessian.pooled(groups)
    assert (mean, std, n) == (pytest.approx(float(values.mean())), pytest.approx(float(values.std())), 24)
    low, high = hessian.interval(mean, std, n)
    scipy_low, scipy_high = stats.t.interval(0.95, n - 1, loc=mean, scale=std / math.sqrt(n))
    assert (low, high) == (pytest.approx(scipy_low), pytest.approx(scipy_high))
    assert hessian.interval(2.5, 0.0, 1) == (2.5, 2.5)


def test_the_diagnostic_is_off_by_default_and_bad_settings_name_their_field():
    assert validate(TINY_CONFIG).diagnostics.curvature_every == 0
    assert validate(RUN).diagnostics.curvature_images == 32
    for field, value in (("curvatureEvery", -1), ("curvatureImages", 0)):
        with pytest.raises(ConfigError) as caught:
            validate({**TINY_CONFIG, "diagnostics": {field: value}})
        assert caught.value.field == f"diagnostics.{field}"


# --- Through the CLI: a trained tiny run with the per-epoch diagnostic, then the analysis on its checkpoint -------


def analyze(job: dict, checkpoint_dir: Path, out_dir: Path) -> EngineRun:
    out_dir.mkdir(parents=True)
    path = out_dir.parent / f"{out_dir.name}.json"
    path.write_text(json.dumps(job))
    command = [sys.executable, "-m", "reslab_engine", "analyze", "--config", str(path)]
    command += ["--checkpoint", str(checkpoint_dir), "--out", str(out_dir)]
    completed = subprocess.run(command, cwd=ENGINE_DIR, env=engine_env(), capture_output=True, text=True, timeout=180)
    return EngineRun(completed)


def test_curvature_through_the_cli(tmp_path, tiny_run, event_validator):
    trained = run_engine(RUN, tmp_path / "run", timeout=240)
    assert trained.returncode == 0, trained.stderr
    for event in trained.events:
        event_validator.validate(event)
    curvature = trained.of_type("curvature")
    assert [event["epoch"] for event in curvature] == [0, 2]  # epoch 0, then every curvatureEvery epochs
    assert all(event["images"] == 32 and event["probes"] == train.CURVATURE_PROBES for event in curvature)
    # Training is not disturbed: the same metrics, to the last digit, as the run without the diagnostic.
    assert trained.metrics() == tiny_run.metrics()
    assert trained.of_type("grad_flow")[-1]["blocks"] == tiny_run.of_type("grad_flow")[-1]["blocks"]

    job = {"run": RUN, "analysis": {"kind": "curvature", "params": PARAMS}, "chunk": {"index": 0, "count": 1}}
    result = analyze(job, tmp_path / "run", tmp_path / "analysis")
    assert result.returncode == 0, result.stderr
    for event in result.events:
        event_validator.validate(event)
    parts = {event["part"]: event["data"] for event in result.of_type("analysis_part")}
    assert list(parts) == ["batch:0", "batch:1", "estimate"]
    batches = [parts["batch:0"], parts["batch:1"]]
    assert [batch["images"] for batch in batches] == [20, 20]
    estimate = parts["estimate"]
    assert estimate["images"] == 40 and estimate["probes"] == 3
    eigenvalues = [batch["topEigenvalue"] for batch in batches]
    assert estimate["topEigenvalue"] == pytest.approx(sum(eigenvalues) / 2)
    low, high = stats.t.interval(0.95, 1, loc=sum(eigenvalues) / 2, scale=stats.tstd(eigenvalues) / math.sqrt(2))
    assert estimate["topEigenvalueCi"] == [pytest.approx(low), pytest.approx(high)]
    assert estimate["trace"] == pytest.approx(sum(batch["trace"] for batch in batches) / 2)
    assert estimate["traceCi"][0] <= estimate["trace"] <= estimate["traceCi"][1]
