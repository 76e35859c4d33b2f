"""Writes TensorBoard event files as a PyTorch script does (torch.utils.tensorboard.SummaryWriter), for
test/e2e/tensorboard-import.test.ts: two run folders, 50 steps of two scalars each, a NaN loss at step 7 of the first.
With `more`, the first run's script goes on: steps 50 to 59 of it, in a second event file of its folder.

    python test/sdk/write_tensorboard.py <logdir> [more]
"""

import sys
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

STEPS = 50
logdir = Path(sys.argv[1])
more = sys.argv[2:] == ["more"]
for index, name in enumerate(["resnet20"] if more else ["resnet20", "plain20/seed1"]):
    writer = SummaryWriter(str(logdir / name))
    for step in range(STEPS, STEPS + 10) if more else range(STEPS):
        loss = float("nan") if (index, step) == (0, 7) else (index + 1) / (step + 1)
        writer.add_scalar("loss", loss, step)
        writer.add_scalar("test/accuracy", step / STEPS, step)
    writer.close()
