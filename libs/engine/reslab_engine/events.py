"""The engine's stdout protocol (libs/contracts/src/engine-events.ts): one JSON object per line.

stdout carries events only; logs go to stderr, so a reader never has to skip noise.

Under torchrun only rank 0 writes (RANK, set by torchrun for each process): W ranks make one stream. The others
build the same events (train.py keeps them in its history) without writing them.
"""

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any

from . import PROTOCOL_VERSION

_WRITES = os.environ.get("RANK", "0") == "0"


def emit(event_type: str, **fields: Any) -> dict[str, Any]:
    event = {"v": PROTOCOL_VERSION, "time": datetime.now(timezone.utc).isoformat(), "type": event_type, **fields}
    # allow_nan=False: JSON has no NaN or Infinity; a non-finite number here is a bug and must fail loudly.
    line = json.dumps(event, allow_nan=False, separators=(",", ":"))
    if not _WRITES:
        return event
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return event
