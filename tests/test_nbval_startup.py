"""The notebooks' run skips an import that costs 1.4 s of CPU per pytest process (tools/nbval_startup.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys
import tools.nbval_startup
import nbformat
notebook = nbformat.read("notebooks/en/02_models_and_access.ipynb", as_version=4)
nbformat.validate(notebook)  # the notebook schema still validates
assert sys.modules["rfc3987_syntax"] is None, "rfc3987_syntax was imported"
print("ok")
"""


def test_the_plugin_blocks_the_slow_import_and_notebooks_still_validate() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_make_nbval_loads_it() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import report_rows
    finally:
        sys.path.remove(str(ROOT / "bench"))
    command = report_rows.nbval_command()
    assert command[command.index("tools.nbval_startup") - 1] == "-p"
    assert "no:hypothesispytest" in command
