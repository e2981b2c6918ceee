"""Passwords as Supabase Auth keeps them: bcrypt hashes (`$2a$`, cost 10) in `auth.users.encrypted_password`.

bcrypt takes tens of milliseconds of CPU on purpose. It releases the GIL, so under gevent workers
it runs in gevent's pool of real threads and the worker's other connections (its event streams)
go on meanwhile; under threaded workers it simply runs in the request's thread.
"""

from __future__ import annotations

import sys

import bcrypt

COST = 10
MAXIMUM_BYTES = 72  # bcrypt reads no further; longer passwords are refused at sign-up
# A hash of a random password nobody knows: an unknown email's sign-in checks against it, so that
# it takes as long as a wrong password (no enumeration of accounts by timing).
DUMMY_HASH = b"$2a$10$2uYySBw5qSMrhvy6BlXO6egXwasIokeeDJU3gUmZuHKlPbI0G6zY2"


def _off_the_event_loop(function, *arguments):
    """Call `function` in a real thread when gevent has patched threading, else directly."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        import gevent

        return gevent.get_hub().threadpool.apply(function, arguments)
    return function(*arguments)


def hash_password(password: str) -> str:
    """The bcrypt hash to store (at most 72 bytes of password, checked by the caller)."""
    salt = bcrypt.gensalt(COST, prefix=b"2a")
    return _off_the_event_loop(bcrypt.hashpw, password.encode("utf-8"), salt).decode("ascii")


def matches(password: str, stored_hash: str | None) -> bool:
    """Whether `password` is the one behind `stored_hash`; None (no such user) checks a dummy, then says no."""
    candidate = password.encode("utf-8")[:MAXIMUM_BYTES]
    too_long = len(password.encode("utf-8")) > MAXIMUM_BYTES
    hashed = stored_hash.encode("ascii") if stored_hash else DUMMY_HASH
    try:
        matched = _off_the_event_loop(bcrypt.checkpw, candidate, hashed)
    except ValueError:  # a stored value that is not a bcrypt hash matches nothing
        matched = False
    return matched and stored_hash is not None and not too_long
