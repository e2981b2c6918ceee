"""No lost wake-ups: tweets in close pairs, with the fallback poll a minute away, are all handled promptly.

The insert notification is throttled on its leading edge, so the second tweet of a pair sends none;
the consumer must find it by looking again after the throttle interval, not by its poll. With
CONSUMER_POLL_SECONDS=60 a lost wake-up would leave a mention waiting a minute, past the deadline.
"""

from __future__ import annotations

import time

import psycopg

from tests.helpers.fixtures import create_user
from tests.helpers.waiting import wait_until

PAIRS = 20
# Within the pair: 1 to 9.5 ms apart, inside the 10 ms throttle interval.
GAPS_WITHIN_PAIR_SECONDS = [0.001 + 0.0085 * n / (PAIRS - 1) for n in range(PAIRS)]
# Far below the poll's minute, far above a wake-up's few milliseconds, even on a loaded machine.
DEADLINE_SECONDS = 10


def test_mentions_in_close_pairs_never_wait_for_the_poll(postgresql, database_url, consumers):
    alice, bob = create_user(postgresql, "alice"), create_user(postgresql, "bob")
    consumer = consumers(CONSUMER_POLL_SECONDS="60")
    wait_until(lambda: "consumer started" in consumer.log(), 15, "the consumer to start")

    def mentions() -> int:
        return postgresql.execute("select count(*) from public.notifications where recipient_id = %s",
                                  (bob,)).fetchone()[0]

    with psycopg.connect(database_url, autocommit=True) as writer:
        for pair, gap in enumerate(GAPS_WITHIN_PAIR_SECONDS):
            writer.execute("insert into public.tweets (user_id, content) values (%s, %s)", (alice, f"@bob {pair}a"))
            time.sleep(gap)
            writer.execute("insert into public.tweets (user_id, content) values (%s, %s)", (alice, f"@bob {pair}b"))
            # Each pair is waited for alone: the next pair's notification must not rescue this one.
            wait_until(lambda: mentions() == 2 * (pair + 1), DEADLINE_SECONDS, f"both mentions of pair {pair}")
