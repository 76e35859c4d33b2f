"""How long the uploader waits before its next try after a failed request.

Capped exponential backoff with "equal jitter" (M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog,
2015): the n-th wait is uniform in [c/2, c] with c = min(cap, base * 2^n). The jitter keeps many scripts that lost the
same orchestrator from all coming back at the same instant; the floor of c/2 keeps one script from hammering it.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 0.5  # seconds, the first wait's ceiling
    cap: float = 10.0  # seconds: an orchestrator back after an outage is noticed within this
    random: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `attempt`-th failure in a row (0-based). A 429's or 503's Retry-After, when
        given, is a floor: the server said when it can take more."""
        ceiling = min(self.cap, self.base * 2 ** min(attempt, 32))
        wait = ceiling * (0.5 + 0.5 * self.random())
        return max(wait, retry_after) if retry_after is not None else wait
