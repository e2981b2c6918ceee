-- One tweet projection: the columns of the contract's Tweet (the tweet, its author, its counts),
-- read by every list, page and stream (chirp/sql/api), so a new column is added in one place.
-- security_invoker: a reader sees through it exactly the rows RLS lets them see in the tables.
-- A plain view is flattened by the planner: a page over it is still one index range of tweets,
-- then one probe per row of profiles and tweet_counters.
create view public.tweet_cards with (security_invoker = true) as
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id,
       p.username, p.full_name, p.avatar_url,
       coalesce(c.like_count, 0) as like_count
from public.tweets as t
join public.profiles as p on p.id = t.user_id
left join public.tweet_counters as c on c.tweet_id = t.id;

revoke all on public.tweet_cards from public, anon, authenticated;
grant select on public.tweet_cards to anon, authenticated;
