"""Notebooks under test always run offline: kernels inherit this process's environment."""

import os

os.environ["HANDSON_MODE"] = "offline"
