"""Inserts per second into `tweets`, side by side on one server: with the enqueue trigger and without it
(as the owner), and as `authenticated` with the write limit's counting trigger and without it.

pgbench (from the same wheel as the server) runs a prepared single-row INSERT with 8 clients; the
variants alternate in rounds so that the machine's noise falls on all alike. The server keeps
PostgreSQL's durable defaults (fsync on), as production would. As `authenticated`, each pgbench
client is a user of its own (as many users write at once in production), in a transaction that
first sets the role and claims, as the API and PostgREST do.
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

from chirp import local_server
from chirp.migrator import migrate

CLIENTS = 8
SECONDS_PER_ROUND = 8
ROUNDS = 3
ENQUEUE_TRIGGER = "tweets_enqueue_created"
WRITE_LIMIT_TRIGGER = "tweets_count_write"
# Too high to refuse anything: the benchmark measures the counting, not refusals.
UNREFUSING_WRITE_LIMIT = "1000000000/minute"
OWNER_INSERT_SCRIPT = """\\set n random(1, 1000000000)
insert into public.tweets (user_id, content) values ('{user_id}', 'benchmark tweet ' || :n || ' about #postgres for @someone');
"""
# pgbench numbers its clients 0, 1, ...: client N writes as the user whose id ends in N.
WRITER_ID = "('00000000-0000-4000-8000-' || lpad((:client_id)::text, 12, '0'))"
AUTHENTICATED_INSERT_SCRIPT = f"""\\set n random(1, 1000000000)
begin;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', {WRITER_ID}, 'role', 'authenticated')::text, true);
insert into public.tweets (user_id, content) values ({WRITER_ID}::uuid, 'benchmark tweet ' || :n || ' about #postgres for @someone');
commit;
"""
CREATE_NUMBERED_WRITERS = """
with created as (
  insert into auth.users (id, aud, role)
  select ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'authenticated', 'authenticated'
  from generate_series(0, %(count)s - 1) as n
  returning id
)
insert into public.profiles (id, username)
select id, 'pgbench' || row_number() over () from created
"""


def create_numbered_writers(url: str, count: int) -> None:
    """The users pgbench's clients 0..count-1 write as (AUTHENTICATED_INSERT_SCRIPT)."""
    with psycopg.connect(url) as connection:
        connection.execute(CREATE_NUMBERED_WRITERS, {"count": count})


def prepare(url: str) -> str:
    """Migrate, create one author for the owner's inserts and the numbered writers; the author's id."""
    migrate(url, write_limit=UNREFUSING_WRITE_LIMIT)
    with psycopg.connect(url) as connection:
        user_id = connection.execute(
            "insert into auth.users (id) values (gen_random_uuid()) returning id").fetchone()[0]
        connection.execute("insert into public.profiles (id, username) values (%s, 'bench')", (user_id,))
    create_numbered_writers(url, CLIENTS)
    return str(user_id)


def reset(url: str, enabled: dict[str, bool]) -> None:
    """Empty the tweets, the queue and the counters, and switch the named triggers on or off."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("truncate public.tweets cascade")
        connection.execute("truncate pgmq.q_events")
        connection.execute("truncate public.write_counters")
        for trigger, on in enabled.items():
            action = "enable" if on else "disable"
            connection.execute(f"alter table public.tweets {action} trigger {trigger}")  # constant names only
        connection.execute("vacuum analyze public.tweets")
        connection.execute("vacuum analyze pgmq.q_events")


def pgbench(url: str, script: Path, clients: int = CLIENTS, seconds: float = SECONDS_PER_ROUND) -> float:
    """Run pgbench for one round and return its transactions per second."""
    parameters = conninfo_to_dict(url)
    output = subprocess.run(
        [str(local_server.bin_directory() / "pgbench"), "-n", "-M", "prepared", "-c", str(clients), "-j", "2",
         "-T", str(int(seconds)), "-f", str(script), "-h", parameters["host"],
         "-p", str(parameters.get("port", 5432)), "-U", "postgres", parameters.get("dbname", "postgres")],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


# name: (script, {trigger: enabled})
VARIANTS = {
    "owner, enqueue trigger": ("owner", {ENQUEUE_TRIGGER: True, WRITE_LIMIT_TRIGGER: True}),
    "owner, no enqueue trigger": ("owner", {ENQUEUE_TRIGGER: False, WRITE_LIMIT_TRIGGER: True}),
    "authenticated, all triggers": ("authenticated", {ENQUEUE_TRIGGER: True, WRITE_LIMIT_TRIGGER: True}),
    "authenticated, no write limit": ("authenticated", {ENQUEUE_TRIGGER: True, WRITE_LIMIT_TRIGGER: False}),
}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="pgbench-"))
    data_directory = root / "data"
    try:
        url = local_server.server(data_directory).get_uri()
        scripts = {"owner": root / "owner.sql", "authenticated": root / "authenticated.sql"}
        scripts["owner"].write_text(OWNER_INSERT_SCRIPT.format(user_id=prepare(url)))
        scripts["authenticated"].write_text(AUTHENTICATED_INSERT_SCRIPT)
        rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _ in range(ROUNDS):
            for name, (script, triggers) in VARIANTS.items():
                reset(url, triggers)
                rates[name].append(pgbench(url, scripts[script]))
        median = {name: statistics.median(values) for name, values in rates.items()}
        for name, values in rates.items():
            print(f"inserts/s, {name + ':':<32}{median[name]:8.0f}  (rounds: {values})")
        print(f"enqueue trigger, with/without: {median['owner, enqueue trigger'] / median['owner, no enqueue trigger']:.2f}"
              " (goal >= 0.50)")
        print(f"write limit trigger, with/without: "
              f"{median['authenticated, all triggers'] / median['authenticated, no write limit']:.2f}"
              f"  ({CLIENTS} clients, {ROUNDS} alternating rounds of {SECONDS_PER_ROUND} s, median)")
    finally:
        local_server.stop(data_directory)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
