"""Writes TensorBoard event files as a PyTorch script does (torch.utils.tensorboard.SummaryWriter), for
test/e2e/tensorboard-import.test.ts: two run folders, 50 steps of two scalars each, a NaN loss at step 7 of the first.

    python test/sdk/write_tensorboard.py <logdir>
"""

import sys
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

STEPS = 50
logdir = Path(sys.argv[1])
for index, name in enumerate(["resnet20", "plain20/seed1"]):
    writer = SummaryWriter(str(logdir / name))
    for step in range(STEPS):
        loss = float("nan") if (index, step) == (0, 7) else (index + 1) / (step + 1)
        writer.add_scalar("loss", loss, step)
        writer.add_scalar("test/accuracy", step / STEPS, step)
    writer.close()
