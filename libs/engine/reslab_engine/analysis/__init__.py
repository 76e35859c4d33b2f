"""Analysis jobs (libs/contracts analysis.ts): the course's claims measured on a finished run's checkpoint.

`python -m reslab_engine analyze --config job.json --checkpoint DIR --out DIR [--resume DIR ...]` reads an
AnalysisJobConfig, rebuilds the run's net and data, loads the checkpoint and writes `analysis_*` events
(runner.py). Each kind is a module with a `build(context) -> Analysis`: lesion.py, landscape.py, curvature.py,
cost.py.
"""
