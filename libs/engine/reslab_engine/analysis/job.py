"""The analysis job config: validated against libs/contracts/json-schema/analysis-job-config.schema.json."""

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from ..config import RunConfig, _check_semantics, _schema_error, apply_defaults, load_schema
from ..errors import ConfigError


@dataclass(frozen=True)
class AnalysisJob:
    run: RunConfig
    kind: str  # lesion | landscape | curvature | cost
    params: dict[str, Any]  # camelCase, defaults filled, as the contract declares them
    chunk_index: int
    chunk_count: int


def _fill_params(schema: dict[str, Any], analysis: dict[str, Any]) -> dict[str, Any]:
    """The discriminated union's branch for `analysis.kind` holds the params' defaults; apply_defaults does not
    descend into a oneOf, so the branch is picked here."""
    for branch in schema["properties"]["analysis"].get("oneOf", schema["properties"]["analysis"].get("anyOf", [])):
        if branch["properties"]["kind"].get("const") == analysis["kind"]:
            params = analysis.setdefault("params", {})
            return apply_defaults(branch["properties"]["params"], params)
    raise ConfigError(f"analysis.kind '{analysis['kind']}' is not known", "analysis.kind")


def validate_job(raw: Any) -> AnalysisJob:
    schema = load_schema("analysis-job-config.schema.json")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(raw))
    if error is not None:
        raise _schema_error(error)
    raw = copy.deepcopy(raw)
    run_schema = load_schema("run-config.schema.json")
    run = RunConfig.from_json(apply_defaults(run_schema, raw["run"]))
    _check_semantics(run)
    params = _fill_params(schema, raw["analysis"])
    chunk = raw["chunk"]
    if chunk["index"] >= chunk["count"]:
        raise ConfigError("chunk.index must be below chunk.count", "chunk.index")
    return AnalysisJob(run, raw["analysis"]["kind"], params, chunk["index"], chunk["count"])


def load_job(path: str | os.PathLike) -> AnalysisJob:
    try:
        raw = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read analysis config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"analysis config {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    return validate_job(raw)
