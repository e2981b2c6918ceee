"""The Procfile's processes for `make run`, kept running: one that ends by itself is started again.

Each process runs its Procfile command through `/bin/sh -c 'exec ...'` in a session of its own, so
a Ctrl-C on the terminal reaches only the launcher, which then stops them all with SIGTERM (and
SIGKILL past STOP_DEADLINE_SECONDS). A process that ends while the set runs (a crash, a `kill -9`)
is logged with how it ended and started again after a back-off that doubles from
FIRST_RESTART_DELAY_SECONDS to MAX_RESTART_DELAY_SECONDS, and starts over once a process has run
STABLE_SECONDS. Each output line is prefixed with its process's name, as honcho does.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
STABLE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
TICK_SECONDS = 0.2
PROCFILE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


def read_procfile(path: Path) -> dict[str, str]:
    """The Procfile's processes: name -> shell command (comments and blank lines skipped)."""
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PROCFILE_LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            entries[match["name"]] = match["command"]
    return entries


def how_it_ended(status: int) -> str:
    """A process's end in words: its exit status, or the signal that killed it."""
    if status < 0:
        return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


@dataclasses.dataclass
class Supervised:
    """One Procfile process: its command, its current run, and when it may start again."""

    name: str
    command: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = FIRST_RESTART_DELAY_SECONDS


class Supervisor:
    """Starts the Procfile's processes, restarts those that end, and stops them all on request."""

    def __init__(self, entries: dict[str, str], environment: dict[str, str], directory: Path, program: str):
        """Nothing starts before `start()`; `program` prefixes the supervisor's own lines."""
        self.processes = [Supervised(name, command) for name, command in entries.items()]
        self.environment = environment
        self.directory = directory
        self.program = program
        self.width = max(len(name) for name in entries)
        self.output_lock = threading.Lock()
        self.readers: list[threading.Thread] = []

    def say(self, message: str) -> None:
        """One line of the supervisor's own."""
        with self.output_lock:
            print(f"{self.program}: {message}", flush=True)

    def start(self) -> None:
        """Start every process."""
        for supervised in self.processes:
            self._spawn(supervised)

    def _spawn(self, supervised: Supervised) -> None:
        """Start one process in a session of its own, its output prefixed with its name."""
        supervised.process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {supervised.command}"], cwd=self.directory, env=self.environment,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        supervised.started_at = time.monotonic()
        supervised.restart_at = None
        reader = threading.Thread(target=self._relay, args=(supervised.name, supervised.process), daemon=True)
        reader.start()
        self.readers.append(reader)

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        """Copy a process's output lines to ours, each prefixed with its name."""
        prefix = f"{name:<{self.width}} | ".encode()
        for line in process.stdout:
            with self.output_lock:
                sys.stdout.buffer.write(prefix + line)
                sys.stdout.buffer.flush()

    def tick(self) -> None:
        """Notice processes that ended (scheduling their restart) and restart those that are due."""
        now = time.monotonic()
        for supervised in self.processes:
            if supervised.restart_at is None and supervised.process.poll() is not None:
                ran_for = now - supervised.started_at
                # What it leaves behind (gunicorn's workers, when its master was killed) goes too.
                self._signal([supervised.process], signal.SIGKILL)
                if ran_for >= STABLE_SECONDS:
                    supervised.delay = FIRST_RESTART_DELAY_SECONDS
                self.say(f"{supervised.name} {how_it_ended(supervised.process.returncode)} after {ran_for:.0f} s;"
                         f" starting it again in {supervised.delay:.0f} s")
                supervised.restart_at = now + supervised.delay
                supervised.delay = min(supervised.delay * 2, MAX_RESTART_DELAY_SECONDS)
            elif supervised.restart_at is not None and now >= supervised.restart_at:
                self._spawn(supervised)
                self.say(f"started {supervised.name} again (pid {supervised.process.pid})")

    def run(self, stopping: threading.Event) -> None:
        """Keep the processes running until `stopping` is set."""
        while not stopping.is_set():
            self.tick()
            stopping.wait(TICK_SECONDS)

    def stop(self) -> None:
        """SIGTERM every running process's group, SIGKILL what is left after STOP_DEADLINE_SECONDS."""
        running = [s.process for s in self.processes if s.process is not None and s.process.poll() is None]
        self._signal(running, signal.SIGTERM)
        deadline = time.monotonic() + STOP_DEADLINE_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"pid {process.pid} did not stop within {STOP_DEADLINE_SECONDS:.0f} s: killing it")
                self._signal([process], signal.SIGKILL)
                process.wait()
        for reader in self.readers:
            reader.join(2)

    @staticmethod
    def _signal(processes: list[subprocess.Popen], signal_number: int) -> None:
        """Send `signal_number` to each process's group (it leads one: see `_spawn`)."""
        for process in processes:
            try:
                os.killpg(process.pid, signal_number)
            except ProcessLookupError:
                pass
