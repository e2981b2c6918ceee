"""/trends: the consumer's hourly hashtag counts of the last 24 hours, summed."""

from __future__ import annotations


def test_trends_sum_the_last_24_hours_only(client, postgresql):
    postgresql.execute("""
        insert into public.hashtag_hourly_counts (hour, tag, count) values
          (date_trunc('hour', now()), 'python', 2),
          (date_trunc('hour', now()) - interval '5 hours', 'python', 3),
          (date_trunc('hour', now()) - interval '1 hour', 'postgres', 4),
          (date_trunc('hour', now()) - interval '30 hours', 'old', 100),
          (date_trunc('hour', now()), 'gone', 0)""")
    postgresql.commit()
    response = client.get("/trends")
    assert response.status_code == 200
    assert response.json == {"data": [{"tag": "python", "count": 5}, {"tag": "postgres", "count": 4}]}


def test_no_trends_is_an_empty_list(client):
    assert client.get("/trends").json == {"data": []}
