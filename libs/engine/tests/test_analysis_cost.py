"""The bottleneck's cost: FlopCounterMode's counts against hand formulas for every layer of ResNet-20 and its
bottleneck twin, the paper's parameter counts, the course's 256-channel example, and the `cost` analysis through
the CLI (no checkpoint)."""

import json
import subprocess
import sys

import torch
from conftest import ENGINE_DIR, TINY_CONFIG, EngineRun, engine_env
from torch import nn

from reslab_engine.analysis.cost import count_costs, course_example, twin
from reslab_engine.models import count_flops, count_params, create_model
from reslab_engine.models.blocks import Bottleneck


def hand_conv(in_shape: list[int], conv: nn.Conv2d) -> tuple[list[int], int, int]:
    """Output shape, parameters and MACs of a bias-free conv: H_out = (H + 2p - k) // s + 1; params k·k·C_in·C_out;
    MACs k·k·C_in·C_out·H_out·W_out (each output value is one k·k·C_in dot product)."""
    (k, _), (s, _), (p, _) = conv.kernel_size, conv.stride, conv.padding
    c_in, h, w = in_shape
    h_out, w_out = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    params = k * k * c_in * conv.out_channels
    return [conv.out_channels, h_out, w_out], params, params * h_out * w_out


def check_every_layer(model: nn.Module, costs: dict) -> None:
    modules = dict(model.named_modules())
    assert [layer["name"] for layer in costs["layers"]] == [
        name for name, m in modules.items() if isinstance(m, nn.Conv2d | nn.Linear)
    ]
    for layer in costs["layers"]:
        module = modules[layer["name"]]
        if isinstance(module, nn.Conv2d):
            assert module.bias is None and module.groups == 1
            shape, params, macs = hand_conv(layer["inShape"], module)
            assert layer["kind"] == f"conv{module.kernel_size[0]}x{module.kernel_size[0]}"
            assert (layer["outShape"], layer["params"], layer["macs"]) == (shape, params, macs), layer["name"]
        else:  # linear: in·out MACs, in·out + out parameters (the bias)
            n_in, n_out = layer["inShape"][0], layer["outShape"][0]
            assert (layer["params"], layer["macs"]) == (n_in * n_out + n_out, n_in * n_out), layer["name"]
    # The layers hold every MAC the counter saw; each block's MACs are its layers'.
    assert sum(layer["macs"] for layer in costs["layers"]) == costs["totalMacs"]
    for block in costs["blocks"]:
        inside = [layer["macs"] for layer in costs["layers"] if layer["block"] == block["name"]]
        assert block["macs"] == sum(inside) and block["stage"] == block["name"].split(".")[0]


def test_resnet20_layers_match_hand_formulas_and_the_paper():
    model = create_model("resnet20")
    costs = count_costs(model, [3, 32, 32])
    check_every_layer(model, costs)
    # He et al. 2016 §4.2, Table 6: ResNet-20 has 0.27M parameters (option A: the shortcuts have none).
    assert costs["totalParams"] == count_params(model) == 269_722
    assert round(costs["totalParams"] / 1e6, 2) == 0.27
    assert costs["totalMacs"] == count_flops(model, (3, 32, 32))  # the registry's forward-hook count agrees
    # Stages of 16/32/64 filters on 32/16/8 maps, three blocks each.
    assert [(b["name"], b["outShape"]) for b in costs["blocks"][::3]] == [
        ("layer1.0", [16, 32, 32]),
        ("layer2.0", [32, 16, 16]),
        ("layer3.0", [64, 8, 8]),
    ]


def test_resnet20_bottleneck_twin_layers_match_hand_formulas():
    model = create_model("resnet20")
    double = twin(model, 3, 10)
    assert all(isinstance(block, Bottleneck) for _, block in double.named_blocks())
    assert [len(double.layer1), len(double.layer2), len(double.layer3)] == [3, 3, 3]
    costs = count_costs(double, [3, 32, 32])
    check_every_layer(double, costs)
    # Same planes per stage (the 3x3 convs' width), output 4x wider.
    three_by_three = [layer for layer in costs["layers"] if layer["kind"] == "conv3x3" and layer["stage"]]
    assert sorted({layer["outShape"][0] for layer in three_by_three}) == [16, 32, 64]
    assert [b["outShape"][0] for b in costs["blocks"][::3]] == [64, 128, 256]
    assert costs["totalMacs"] == count_flops(double, (3, 32, 32))
    assert count_params(twin(double, 3, 10)) == count_params(model)  # the twin's twin is the net again


def test_resnet34_twin_is_resnet50():
    """He et al. 2016 Table 1: ResNet-50 is ResNet-34 with every basic block replaced by a bottleneck."""
    with torch.device("meta"):
        resnet34, resnet50 = create_model("resnet34"), create_model("resnet50")
    double = twin(resnet34, 3, 1000)
    assert count_params(double) == count_params(resnet50) == 25_557_032  # torchvision's ResNet-50
    assert count_costs(double, [3, 224, 224])["totalMacs"] == count_flops(resnet50, (3, 224, 224))


def test_course_example_comes_out_of_the_counter():
    example = course_example()
    basic, bottleneck = example["rows"]
    assert (basic["block"], bottleneck["block"]) == ("basic", "bottleneck")
    assert [(layer["kind"], layer["inC"], layer["outC"]) for layer in basic["layers"]] == [
        ("conv3x3", 256, 256),
        ("conv3x3", 256, 256),
    ]
    assert [(layer["kind"], layer["inC"], layer["outC"]) for layer in bottleneck["layers"]] == [
        ("conv1x1", 256, 64),
        ("conv3x3", 64, 64),
        ("conv1x1", 64, 256),
    ]
    assert (basic["params"], bottleneck["params"]) == (1_179_648, 69_632)  # docs/course.md §4, He et al. Fig. 5
    for row in (basic, bottleneck):  # stride 1 on 56x56: every weight is used 56·56 = 3136 times
        assert row["macs"] == row["params"] * 3136
        assert all(layer["macs"] == layer["params"] * 3136 for layer in row["layers"])


def test_cost_through_the_cli_without_a_checkpoint(tmp_path, event_validator):
    analysis = {"kind": "cost", "params": {"inputSize": 64}}  # the synthetic images are 1x32x32
    job = {"run": TINY_CONFIG, "analysis": analysis, "chunk": {"index": 0, "count": 1}}
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    command = [sys.executable, "-m", "reslab_engine", "analyze", "--config", str(path), "--out", str(tmp_path / "out")]
    completed = subprocess.run(command, cwd=ENGINE_DIR, env=engine_env(), capture_output=True, text=True, timeout=120)
    run = EngineRun(completed)
    assert run.returncode == 0, run.stderr
    for event in run.events:
        event_validator.validate(event)
    parts = {event["part"]: event["data"] for event in run.of_type("analysis_part")}
    assert list(parts) == ["model", "twin", "course"]
    model, double = parts["model"], parts["twin"]
    assert (model["role"], model["name"], model["block"]) == ("run", "resnet8", "basic")
    assert (double["role"], double["name"], double["block"]) == ("twin", "resnet8-bottleneck", "bottleneck")
    assert model["input"] == [1, 64, 64]
    classes = model["layers"][-1]["outShape"][0]
    reference = create_model("resnet8", in_channels=1, num_classes=classes, width=8)
    assert model["totalParams"] == count_params(reference)
    assert model["totalMacs"] == count_flops(reference, (1, 64, 64))
    assert double["blocks"][-1]["outShape"] == [4 * 4 * 8, 16, 16]  # 4x wider output at the last stage's planes
    assert parts["course"]["rows"][1]["params"] == 69_632
