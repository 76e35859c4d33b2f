"""Where a data set's files live: `data.root` if given, else $RESLAB_DATA_DIR/<dataset>, else the system copy,
else the download cache."""

import os
from pathlib import Path

from ..errors import DataError

DATA_ENV = "RESLAB_DATA_DIR"
SYSTEM_DIRS = {"fashion-mnist": "/usr/share/datasets/fashion-mnist", "mnist": "/usr/share/datasets/mnist"}
DEFAULT_CACHE = Path("~/.cache/reslab/data")


def cache_dir() -> Path:
    """Where downloads go when `data.root` is absent: $RESLAB_DATA_DIR, else ~/.cache/reslab/data."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else DEFAULT_CACHE.expanduser()


def download_dir(dataset: str, root: str | None) -> Path:
    # With data.root set only data.root is searched, so a download elsewhere would never be found again.
    return Path(root) if root else cache_dir() / dataset


def candidate_dirs(dataset: str, root: str | None) -> list[Path]:
    if root:
        return [Path(root)]
    dirs = []
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]) / dataset)
    if dataset in SYSTEM_DIRS:
        dirs.append(Path(SYSTEM_DIRS[dataset]))
    cached = cache_dir() / dataset
    if cached not in dirs:
        dirs.append(cached)
    return dirs


def not_found(dataset: str, root: str | None, what: str, dirs: list[Path], can_download: bool) -> DataError:
    """The error for files found nowhere: names what was looked for, every directory searched, and the fix."""
    searched = ", ".join(str(d) for d in dirs) or "(none)"
    hints = ["set data.root" if root else f"set data.root or {DATA_ENV}"]
    if can_download:
        hints.append("or set data.download to fetch it")
    return DataError(
        f"{dataset} files ({what}) not found; searched: {searched}; {' '.join(hints)}",
        field="data.root" if root else "data.dataset",
    )


def files_in(directory: Path, names: list[str]) -> dict[str, Path] | None:
    """Map each base name to its file (raw or .gz) in `directory`, or None unless all are there."""
    found = {}
    for name in names:
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.is_file():
                found[name] = candidate
                break
    return found if len(found) == len(names) else None


def find_files(dataset: str, root: str | None, names: list[str], can_download: bool = False) -> dict[str, Path]:
    """Map each base name to its file (raw or .gz) in the first directory that holds them all."""
    dirs = candidate_dirs(dataset, root)
    for directory in dirs:
        found = files_in(directory, names)
        if found is not None:
            return found
    raise not_found(dataset, root, f"{', '.join(names)}, raw or .gz", dirs, can_download)
