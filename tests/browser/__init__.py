"""Browser tests: JupyterLab as `make lab` starts it, driven by the system Chromium through Playwright.

A package (this file) so that its conftest is imported as ``browser.conftest``: a second top-level module named
``conftest`` would replace tests/conftest.py in ``sys.modules`` and break the tests that import from it.
"""
