"""Settings come from the environment; see base.py for every variable."""

from .base import *  # noqa: F401,F403
