"""Which orchestrator a script logs to, with which key, and where it spools: the CLI's own rules
(apps/cli/src/config-file.ts resolveProfile), so a user who ran `reslab login` needs nothing more.

The orchestrator: the argument, else RESLAB_API_URL, else the apiUrl `reslab login` stored, else
http://127.0.0.1:4000. The key: the argument, else RESLAB_API_KEY, else the stored key, but only when it was stored
for that same orchestrator (a key is never sent to a server it was not made for).
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ReslabError

DEFAULT_API_URL = "http://127.0.0.1:4000"
API_URL_ENV = "RESLAB_API_URL"
API_KEY_ENV = "RESLAB_API_KEY"
SPOOL_DIR_ENV = "RESLAB_SPOOL_DIR"
DEFAULT_SPOOL_DIR = Path("~/.reslab/spool")


@dataclass(frozen=True)
class Settings:
    api_url: str
    api_key: str | None
    # Where the key came from, for the one line a refused key prints.
    key_source: str


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value or None  # empty counts as unset, as in the CLI


def config_path() -> Path:
    """$XDG_CONFIG_HOME/reslab/config.json, or ~/.config/reslab/config.json (a relative XDG_CONFIG_HOME is ignored,
    as the XDG Base Directory spec says)."""
    xdg = _env("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path(_env("HOME") or Path.home()) / ".config"
    return base / "reslab" / "config.json"


def _stored_config(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ReslabError(
            f"{path}: not a ResLab config ({error}); fix it, or delete it and run `reslab login`"
        ) from None
    return data if isinstance(data, dict) else {}


def _canonical(url: str) -> str:
    return url.rstrip("/")


def resolve(api_url: str | None = None, api_key: str | None = None) -> Settings:
    path = config_path()
    stored = _stored_config(path)
    stored_url = stored.get("apiUrl") or DEFAULT_API_URL
    url = _canonical(api_url or _env(API_URL_ENV) or stored_url)
    if api_key:
        return Settings(url, api_key, "api_key argument")
    if _env(API_KEY_ENV):
        return Settings(url, _env(API_KEY_ENV), API_KEY_ENV)
    if stored.get("apiKey") and _canonical(stored_url) == url:
        return Settings(url, stored["apiKey"], str(path))
    return Settings(url, None, "none")


def require_key(settings: Settings) -> str:
    if settings.api_key:
        return settings.api_key
    raise ReslabError(
        f"no API key for {settings.api_url}: set {API_KEY_ENV} (create one with `reslab keys create <name>`), "
        "or run `reslab login`"
    )


def spool_root() -> Path:
    """$RESLAB_SPOOL_DIR, else ~/.reslab/spool; each run spools under <root>/<run id>/."""
    return Path(_env(SPOOL_DIR_ENV) or DEFAULT_SPOOL_DIR).expanduser()
