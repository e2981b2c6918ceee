"""The tests' process helper ends a process and every group its descendants made, even ignoring SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import processes
from tests.helpers.waiting import wait_until

# A parent that starts a grandchild in a session of its own (as honcho does), prints its pid, and
# both ignore SIGTERM, as a wedged server might.
PARENT = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
    start_new_session=True)
print(child.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stop_ends_the_process_and_a_grandchild_in_its_own_session():
    parent = processes.start([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    grandchild = int(parent.stdout.readline())
    assert os.getpgid(parent.pid) == parent.pid != os.getpgid(0)
    assert os.getpgid(grandchild) == grandchild
    processes.stop(parent, grace_seconds=0.5)
    parent.stdout.close()
    assert parent.returncode is not None
    wait_until(lambda: not alive(grandchild), 10, "the grandchild to end")


def test_tail_keeps_the_last_lines():
    assert processes.tail("\n".join(str(n) for n in range(100)), 3) == "97\n98\n99"
