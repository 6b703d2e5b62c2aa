"""Root pytest hooks: shared by tests/ and by strict nbval over notebooks/."""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Any

import pytest

try:
    from xdist.scheduler import LoadFileScheduling
except ImportError:  # pytest-xdist is a dev requirement; without it nbval runs serially
    LoadFileScheduling = None


def notebook_scope(file: str) -> str:
    """notebooks/<edition>/<name>.ipynb -> <name>; any other file is its own scope."""
    path = PurePosixPath(file)
    return path.stem if path.suffix == ".ipynb" and path.parent.parent.name == "notebooks" else file


if LoadFileScheduling is not None:
    class NotebookScheduling(LoadFileScheduling):
        """``--dist loadfile``, except that the editions of one notebook (en/, ja/, zh-TW/) form one unit,
        run one after another by one worker. Their code is identical, so they write the same files under
        workspace/ (``%%writefile``): two kernels writing one file at once could each read it torn.
        Different notebooks run in parallel; a notebook's cells share a kernel, so they stay in order.
        (``--dist loadgroup`` with marks would say the same, but xdist 3.8 cannot rename the node ids of
        pytest 9.2, so its groups come apart.)"""

        # The notebooks that take longest offline (batch jobs, TypeScript child processes) start first,
        # so no worker is left running one of them alone at the end. Speed only: order, not correctness.
        SLOWEST_FIRST = ("10_batch_inference", "08_messages_api_and_api_keys", "03_request_styles",
                         "01_setup_checks")

        def _split_scope(self, nodeid: str) -> str:
            return notebook_scope(super()._split_scope(nodeid))

        def _assign_work_unit(self, node: Any) -> None:
            for scope in reversed(self.SLOWEST_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
        """``-n auto``: two workers per core, at most four. A notebook's kernel often waits (a TypeScript
        child process, a batch job's polling, a retry's backoff), so one worker per core leaves cores idle:
        on 2 cores, 30 notebooks took 116 s with 2 workers, 91 s with 3 and 90 s with 4."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(4, 2 * cores)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        return NotebookScheduling(config, log) if config.getvalue("dist") == "loadfile" else None
