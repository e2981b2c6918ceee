-- The database's write limit (public.write_limit), which `python -m migrations` sets from
-- RATE_LIMIT_WRITE when that is set.

-- set_write_limit --
-- Replace the limit on inserts of tweets, likes and follows per authenticated user and window.
update public.write_limit
set max_writes = %(max_writes)s, period_seconds = %(period_seconds)s, updated_at = now()
where max_writes is distinct from %(max_writes)s or period_seconds is distinct from %(period_seconds)s
