"""Test-only fault injection, loaded by Python at start-up only where a test puts this folder on PYTHONPATH
(test_distributed.py): the rank named by RESLAB_TEST_FAULT_RANK raises a RuntimeError in its optimizer's
RESLAB_TEST_FAULT_STEP-th step, a real exception in a real rank, with no hook in the engine."""

import os

if os.environ.get("RANK") is not None and os.environ.get("RANK") == os.environ.get("RESLAB_TEST_FAULT_RANK"):
    from torch.optim import SGD

    _step, _calls = SGD.step, [0]
    _fault_step = int(os.environ.get("RESLAB_TEST_FAULT_STEP", "3"))

    def _failing_step(self, *args, **kwargs):
        _calls[0] += 1
        if _calls[0] == _fault_step:
            raise RuntimeError(f"injected fault in rank {os.environ['RANK']} at optimizer step {_fault_step}")
        return _step(self, *args, **kwargs)

    SGD.step = _failing_step
