"""The web tier's rate limits: `policy` attaches them to the app, `storage` keeps their counters.

A route that no limit counts says so where it is declared: `unlimited(blueprint)` beside the
blueprint, or `@unlimited` on one view.
"""

from __future__ import annotations

from typing import TypeVar

Target = TypeVar("Target")


def unlimited(target: Target) -> Target:
    """Mark a blueprint or a view function as counted by no rate limit (probes, metrics, the client)."""
    target.rate_limited = False
    return target


def is_unlimited(target) -> bool:
    """Whether `target` (a blueprint, a view function, or None) was marked with `unlimited`."""
    return getattr(target, "rate_limited", True) is False
