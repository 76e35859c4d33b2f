"""The engine's stdout protocol (libs/contracts/src/engine-events.ts): one JSON object per line.

stdout carries events only; logs go to stderr, so a reader never has to skip noise.
"""

import json
import sys
from datetime import datetime, timezone
from typing import Any

from . import PROTOCOL_VERSION


def emit(event_type: str, **fields: Any) -> dict[str, Any]:
    event = {"v": PROTOCOL_VERSION, "time": datetime.now(timezone.utc).isoformat(), "type": event_type, **fields}
    # allow_nan=False: JSON has no NaN or Infinity; a non-finite number here is a bug and must fail loudly.
    line = json.dumps(event, allow_nan=False, separators=(",", ":"))
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return event
