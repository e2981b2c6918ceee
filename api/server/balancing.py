"""New connections go to the gunicorn worker that holds the fewest.

A host's workers all accept from one listening socket, and the kernel wakes every one of them for
a new connection: whichever runs first takes it, and the one that has just run usually runs first
again. Under the speed benchmark (16 keep-alive connections, two workers) the connections ended up
16/0, 16/0, 12/4 and 10/6 in four starts: one worker and its core served every request while the
other idled, and requests queued behind each other in the crowded one. gunicorn leaves this to the
kernel (its issues #2095, #3105).

So each worker publishes how many connections it holds, in memory the arbiter shares with the
workers it forks (a slot per worker, given before the fork and taken back when the worker exits).
A worker holding more than another live worker steps back from a pending connection, and the
other, woken by the same connection, takes it. A worker that does not take it within
GRACE_SECONDS (busy in a long computation, stopped, stopping) is not waited for: the busier one
takes it then, and goes on taking connections until the others move again.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import time

# More workers than this on one host go unbalanced (they accept as gunicorn does).
SLOTS = 64
# A slot's pid: free, or given to a worker that has not started yet.
FREE, GIVEN = 0, -1
# How often a worker that stepped back looks again at the listening socket.
STEP_BACK_SECONDS = 0.001
# How long a pending connection is left to a less busy worker that does not take it.
GRACE_SECONDS = 0.020


class Board:
    """Each worker's pid, open connections and connections ever accepted, shared across the fork."""

    def __init__(self, slots: int = SLOTS):
        self.pids = multiprocessing.RawArray(ctypes.c_long, slots)
        self.open = multiprocessing.RawArray(ctypes.c_long, slots)
        self.accepted = multiprocessing.RawArray(ctypes.c_long, slots)

    def give(self) -> int | None:
        """A free slot for a worker about to be forked (the arbiter's pre_fork), or None if none is free."""
        for slot, pid in enumerate(self.pids):
            if pid == FREE:
                self.pids[slot], self.open[slot] = GIVEN, 0
                return slot
        return None

    def take_back(self, slot: int | None) -> None:
        """Free a slot: its worker has exited, or is stopping and accepts no more."""
        if slot is not None:
            self.pids[slot], self.open[slot] = FREE, 0


class Balancer:
    """One worker's side of the board: counts its connections and decides when to step back."""

    def __init__(self, board: Board, slot: int):
        self.board, self.slot = board, slot
        board.pids[slot] = os.getpid()
        # While stepping back: (since when, the accepted totals of the less busy workers then).
        self.stepping_back: tuple[float, int] | None = None

    def opened(self) -> None:
        """A connection was accepted."""
        self.board.open[self.slot] += 1
        self.board.accepted[self.slot] += 1

    def closed(self) -> None:
        """A connection ended."""
        self.board.open[self.slot] -= 1

    def leave(self) -> None:
        """Accept no more: the others stop leaving connections to this worker."""
        self.board.take_back(self.slot)

    def step_back(self) -> bool:
        """Whether to leave the pending connection to a less busy worker, for now."""
        mine = self.board.open[self.slot]
        less_busy = [slot for slot, pid in enumerate(self.board.pids)
                     if pid > 0 and slot != self.slot and self.board.open[slot] < mine]
        if not less_busy:
            self.stepping_back = None
            return False
        # The less busy workers are alive and accepting while their totals move.
        progress = sum(self.board.accepted[slot] for slot in less_busy)
        now = time.monotonic()
        if (self.stepping_back is None or self.stepping_back[1] != progress
                or now - self.stepping_back[0] > 2 * GRACE_SECONDS):
            self.stepping_back = (now, progress)
            return True
        return now - self.stepping_back[0] < GRACE_SECONDS
