"""Re-execute the notebooks in offline mode and save their outputs (``make notebooks``).

Outputs are committed and checked by strict nbval, so refresh them after changing a notebook or
anything it shows. Offline mode makes every run reproducible; volatile values (ports, ids,
latencies) are masked by notebooks/sanitize.cfg when nbval compares.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


# Keep this machine's npm chatter (spinner, user-config warnings) out of committed outputs.
QUIET_NPM = {"npm_config_progress": "false", "npm_config_loglevel": "error", "npm_config_update_notifier": "false"}


def execute(path: Path, timeout: int) -> nbformat.NotebookNode:
    """The notebook run in a fresh kernel from its own folder, as a learner runs it (not saved)."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def refresh(path: Path, timeout: int) -> float:
    started = time.perf_counter()
    notebook = execute(path, timeout)
    elapsed = time.perf_counter() - started
    # Widget state is volatile (random model ids) and heavy; without it a viewer shows each widget's
    # text fallback, which is what a static page should show anyway.
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook under notebooks/")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once (default 1)")
    args = parser.parse_args()
    os.environ["HANDSON_MODE"] = "offline"  # outputs are produced offline, never from an AWS account
    os.environ.update(QUIET_NPM)
    paths = [p.resolve() for p in args.notebooks] or sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb")
                                     if ".ipynb_checkpoints" not in p.parts)
    # A notebook's editions run one after another (they write the same files under workspace/); different
    # notebooks run side by side. Threads suffice: each notebook runs in its own kernel process.
    by_name: dict[str, list[Path]] = {}
    for path in paths:
        by_name.setdefault(path.name, []).append(path)

    def run(group: list[Path]) -> None:
        for path in group:
            print(f"{path.relative_to(ROOT)}: {refresh(path, args.timeout):.1f} s", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for future in [pool.submit(run, group) for group in by_name.values()]:
            future.result()
    return 0


if __name__ == "__main__":
    sys.exit(main())
