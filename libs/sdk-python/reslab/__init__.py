"""ResLab's logging SDK: log any training script's metrics into ResLab (issue 12).

import reslab
run = reslab.init(project="fashion", config={"lr": 0.01})
run.log({"loss": 0.3})
run.log_epoch(split="test", loss=0.4, y_true=labels, y_pred=predictions)
run.finish()
"""

__version__ = "0.1.0"

from .errors import ReslabError  # noqa: E402
from .run import Run, init  # noqa: E402

__all__ = ["ReslabError", "Run", "init", "__version__"]
