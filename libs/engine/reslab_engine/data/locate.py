"""Where a data set's files live: `data.root` if given, else $RESLAB_DATA_DIR/<dataset>, else the system copy,
else the download cache.

`data.root` is a NAME, never a path: it is resolved under the data folders the worker was started with
($RESLAB_DATA_DIRS). A run config is written by any member of a team, and a free path would let it read (and, with
`data.download`, write) wherever the worker's user can. The orchestrator refuses absolute names and `..` at submit
(libs/contracts DataRootName); the engine checks again here, after following symlinks, because it may be given a
config by hand and because only the worker's machine knows where its symlinks lead.
"""

import os
from pathlib import Path

from ..config import check_root_name
from ..errors import ConfigError, DataError

DATA_ENV = "RESLAB_DATA_DIR"
# Colon-separated absolute folders; the worker passes its own list (apps/worker worker-config.ts, same default).
DATA_DIRS_ENV = "RESLAB_DATA_DIRS"
SYSTEM_DATA_DIR = Path("/usr/share/datasets")
SYSTEM_DIRS = {"fashion-mnist": "/usr/share/datasets/fashion-mnist", "mnist": "/usr/share/datasets/mnist"}
DEFAULT_CACHE = Path("~/.cache/reslab/data")


def cache_dir() -> Path:
    """Where downloads go when `data.root` is absent: $RESLAB_DATA_DIR, else ~/.cache/reslab/data."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else DEFAULT_CACHE.expanduser()


def data_dirs() -> list[Path]:
    """The folders a `data.root` name is resolved under, in search order: $RESLAB_DATA_DIRS, else the folders
    searched without a root ($RESLAB_DATA_DIR, /usr/share/datasets, ~/.cache/reslab/data)."""
    env = os.environ.get(DATA_DIRS_ENV)
    if env is None:
        dirs = [Path(os.environ[DATA_ENV])] if os.environ.get(DATA_ENV) else []
        dirs += [SYSTEM_DATA_DIR, DEFAULT_CACHE.expanduser()]
    else:
        dirs = [Path(part) for part in env.split(os.pathsep) if part]
    relative = [str(d) for d in dirs if not d.is_absolute()]
    if relative:
        raise ConfigError(f"{DATA_DIRS_ENV} must list absolute folders, got {', '.join(relative)}")
    return list(dict.fromkeys(dirs))


def root_candidates(root: str) -> list[Path]:
    """`data.root` under each data folder, symlinks resolved, in search order.

    A name whose real path (os.path.realpath: every symlink followed, existing or not yet) lies outside every data
    folder is refused outright, not skipped: a symlink that leads out is a hole in the fence, whichever folder it sits
    in. One data folder linking into another is fine. The message leaves out where the link leads: it reaches the
    person who submitted the run.
    """
    check_root_name(root)
    dirs = data_dirs()
    fences = [Path(os.path.realpath(d)) for d in dirs]
    candidates = []
    for base in dirs:
        real = Path(os.path.realpath(base / root))
        if not any(real.is_relative_to(fence) for fence in fences):
            raise ConfigError(
                f"data.root '{root}' under {base} resolves outside every data folder ({DATA_DIRS_ENV}: "
                f"{', '.join(str(d) for d in dirs)}); a symlink there leads out, which is refused",
                "data.root",
            )
        candidates.append(real)
    return list(dict.fromkeys(candidates))


def root_folder(root: str) -> Path:
    """The first existing folder `data.root` names, or a DataError listing every place searched."""
    candidates = root_candidates(root)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(c) for c in candidates) or "(no data folders)"
    raise DataError(
        f"data.root '{root}' is not a folder in any data folder; searched: {searched} (set {DATA_DIRS_ENV})",
        "data.root",
    )


def download_dir(dataset: str, root: str | None) -> Path:
    # With data.root set only data.root is searched, so a download elsewhere would never be found again: it goes to
    # the folder the name already names, else under the first data folder this process may write to.
    if not root:
        return cache_dir() / dataset
    candidates = root_candidates(root)
    existing = [c for c in candidates if c.is_dir()]
    if existing:
        return existing[0]
    for base in data_dirs():  # every one of them checked by root_candidates above
        if base.is_dir() and os.access(base, os.W_OK):
            return Path(os.path.realpath(base / root))
    return candidates[0]


def candidate_dirs(dataset: str, root: str | None) -> list[Path]:
    if root:
        return root_candidates(root)
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
    hints = [f"data.root names a folder under {DATA_DIRS_ENV}" if root else f"set data.root or {DATA_ENV}"]
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
