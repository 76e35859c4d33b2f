"""Find a data set's files: `data.root` if given, else $RESLAB_DATA_DIR/<dataset>, else the system copy."""

import os
from pathlib import Path

from ..errors import DataError

DATA_ENV = "RESLAB_DATA_DIR"
SYSTEM_DIRS = {"fashion-mnist": "/usr/share/datasets/fashion-mnist", "mnist": "/usr/share/datasets/mnist"}


def candidate_dirs(dataset: str, root: str | None) -> list[Path]:
    if root:
        return [Path(root)]
    dirs = []
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]) / dataset)
    if dataset in SYSTEM_DIRS:
        dirs.append(Path(SYSTEM_DIRS[dataset]))
    return dirs


def find_files(dataset: str, root: str | None, names: list[str]) -> dict[str, Path]:
    """Map each base name to its file (raw or .gz) in the first directory that holds them all."""
    dirs = candidate_dirs(dataset, root)
    for directory in dirs:
        found = {}
        for name in names:
            for candidate in (directory / name, directory / f"{name}.gz"):
                if candidate.is_file():
                    found[name] = candidate
                    break
        if len(found) == len(names):
            return found
    searched = ", ".join(str(d) for d in dirs) or "(none)"
    hint = "set data.root" if root else f"set data.root or {DATA_ENV}"
    raise DataError(
        f"{dataset} files ({', '.join(names)}, raw or .gz) not found; searched: {searched}; {hint}",
        field="data.root" if root else "data.dataset",
    )
