"""`.env`: the variables `make run` generates on first start (secrets, the local server's password).

One rule everywhere: a variable set in the environment wins; `.env` only fills in what is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

ENV_FILE = Path(".env")


def load_env_file(path: Path = ENV_FILE) -> None:
    """Set the variables of `path` that the environment leaves unset (or empty, which every
    setting reads as unset)."""
    if not path.is_file():
        return
    for name, value in dotenv_values(path).items():
        if value is not None and not os.environ.get(name):
            os.environ[name] = value
