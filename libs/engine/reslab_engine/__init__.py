"""ResLab training engine: a run config in, a JSONL event stream on stdout and checkpoints out."""

PROTOCOL_VERSION = 1
