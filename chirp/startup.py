"""How every command starts: `.env` under the environment, then the settings, or one line and exit.

One rule everywhere (`make run`, `python -m migrations`, `python -m consumer`, gunicorn,
`python -m api.token`): a variable set in the environment wins; `.env` only fills in what is unset.
A malformed or missing setting ends the process with exit status 2 and one line on stderr that
names the variable and what is wrong with it, never a traceback.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from chirp.env_file import load_env_file
from chirp.settings import ConfigurationError, Settings

CONFIGURATION_EXIT_STATUS = 2


def configuration_failure(program: str, error: Exception) -> NoReturn:
    """Print `program: configuration error: ...` on stderr and exit with status 2."""
    print(f"{program}: configuration error: {error}", file=sys.stderr)
    sys.exit(CONFIGURATION_EXIT_STATUS)


def settings_or_exit(program: str, needs_token_verification: bool = False) -> Settings:
    """Load `.env`, then read the settings; a bad one ends the process with one line.

    `needs_token_verification`: the web process also needs SUPABASE_JWT_SECRET or SUPABASE_URL.
    """
    load_env_file()
    try:
        settings = Settings.from_environment()
        if needs_token_verification and not settings.supabase_url:
            settings.require_jwt_secret()
    except ConfigurationError as error:
        configuration_failure(program, error)
    return settings
