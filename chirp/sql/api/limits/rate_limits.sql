-- The web tier's rate-limit counters in public.rate_limit_counters (api/limit_storage.py), one row
-- per limit key: Flask-Limiter's fixed windows, kept where every worker and web host sees them.

-- hit_rate_limit --
-- Add `amount` hits to a key in one atomic upsert, starting a new window when the old one expired.
insert into public.rate_limit_counters as counter (key, hits, expires_at)
values (%(key)s, %(amount)s, now() + make_interval(secs => %(expiry_seconds)s))
on conflict (key) do update
  set hits = case when counter.expires_at > now() then counter.hits + excluded.hits else excluded.hits end,
      expires_at = case when counter.expires_at > now() then counter.expires_at else excluded.expires_at end
returning hits, extract(epoch from expires_at)::float8 as expires_at

-- rate_limit_counter --
-- A key's hits in its current window (0 when expired or absent) and when that window ends.
select coalesce(max(hits) filter (where expires_at > now()), 0) as hits,
       coalesce(extract(epoch from max(expires_at) filter (where expires_at > now())),
                extract(epoch from now()))::float8 as expires_at
from public.rate_limit_counters
where key = %(key)s

-- clear_rate_limit --
-- Forget one key's counter.
delete from public.rate_limit_counters where key = %(key)s

-- clear_all_rate_limits --
-- Forget every counter; returns how many there were.
with deleted as (delete from public.rate_limit_counters returning 1)
select count(*) as count from deleted

-- purge_expired_rate_limits --
-- Drop counters whose window has ended (a new hit starts a new row anyway).
delete from public.rate_limit_counters where expires_at <= now()
