"""The real engine (`python -m reslab_engine ...`, same arguments), keeping a copy of its stdout in
<--out>/engine-stdout.jsonl, so benchmarks/stream.ts can read the `time` each event was written at (the engine's
wall clock). The copy is written after each flush has handed the line to the worker, so it delays nothing the
benchmark measures; it is a tap, not a fake: the engine, its data and its timing are unchanged."""

import sys
from pathlib import Path


class Tap:
    def __init__(self, stream, copy):
        self._stream = stream
        self._copy = copy
        self._pending: list[str] = []

    def write(self, text: str) -> int:
        self._pending.append(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()
        self._copy.write("".join(self._pending))
        self._copy.flush()
        self._pending.clear()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main() -> int:
    args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1])
    out.mkdir(parents=True, exist_ok=True)
    sys.stdout = Tap(sys.stdout, open(out / "engine-stdout.jsonl", "a", encoding="utf-8"))  # noqa: SIM115
    from reslab_engine.cli import main as engine_main

    return engine_main(args)


if __name__ == "__main__":
    sys.exit(main())
