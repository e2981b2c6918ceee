"""Inserts per second into `tweets` with the enqueue trigger and without it, side by side on one server.

pgbench (from the same wheel as the server) runs a prepared single-row INSERT with 8 clients; the
two variants alternate in rounds so that the machine's noise falls on both alike. The server keeps
PostgreSQL's durable defaults (fsync on), as production would.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from migrations import embedded
from migrations.runner import migrate

CLIENTS = 8
SECONDS_PER_ROUND = 8
ROUNDS = 3
TRIGGER = "tweets_enqueue_created"
INSERT_SCRIPT = """\\set n random(1, 1000000000)
insert into public.tweets (user_id, content) values ('{user_id}', 'benchmark tweet ' || :n || ' about #postgres for @someone');
"""


def prepare(url: str) -> str:
    """Migrate, create one author, and return its id."""
    migrate(url)
    with psycopg.connect(url) as connection:
        user_id = connection.execute(
            "insert into auth.users (id) values (gen_random_uuid()) returning id").fetchone()[0]
        connection.execute("insert into public.profiles (id, username) values (%s, 'bench')", (user_id,))
    return str(user_id)


def reset(url: str, trigger_enabled: bool) -> None:
    """Empty the tweets and the queue, and switch the enqueue trigger on or off."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("truncate public.tweets cascade")
        connection.execute("truncate pgmq.q_events")
        action = "enable" if trigger_enabled else "disable"
        connection.execute(f"alter table public.tweets {action} trigger {TRIGGER}")  # constant names only
        connection.execute("vacuum analyze public.tweets")
        connection.execute("vacuum analyze pgmq.q_events")


def pgbench(url: str, script: Path) -> float:
    """Run pgbench for one round and return its transactions per second."""
    parameters = conninfo_to_dict(url)
    output = subprocess.run(
        [str(embedded.bin_directory() / "pgbench"), "-n", "-M", "prepared", "-c", str(CLIENTS), "-j", "2",
         "-T", str(SECONDS_PER_ROUND), "-f", str(script), "-h", parameters["host"],
         "-p", str(parameters.get("port", 5432)), "-U", "postgres", parameters.get("dbname", "postgres")],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="pgbench-"))
    data_directory = root / "data"
    try:
        url = embedded.server(data_directory).get_uri()
        script = root / "insert.sql"
        script.write_text(INSERT_SCRIPT.format(user_id=prepare(url)))
        rates: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(ROUNDS):
            for trigger_enabled in (True, False):
                reset(url, trigger_enabled)
                rates[trigger_enabled].append(pgbench(url, script))
        with_trigger, without_trigger = statistics.median(rates[True]), statistics.median(rates[False])
        print(f"inserts/s with enqueue trigger:    {with_trigger:8.0f}  (rounds: {rates[True]})")
        print(f"inserts/s without enqueue trigger: {without_trigger:8.0f}  (rounds: {rates[False]})")
        print(f"ratio with/without: {with_trigger / without_trigger:.2f}  (goal >= 0.50; "
              f"{CLIENTS} clients, {ROUNDS} alternating rounds of {SECONDS_PER_ROUND} s, median)")
    finally:
        embedded.stop(data_directory)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
