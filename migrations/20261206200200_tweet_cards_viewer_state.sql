-- The one tweet projection, extended: the reply and repost counts, what the caller did (liked,
-- reposted, bookmarked: EXISTS probes of those tables' primary keys with auth.uid(), false for
-- anon, whose auth.uid() is null), and the quoted tweet with its own author, counts and flags.
--
-- Still security_invoker and still flat: each flag is one index probe per row shown, and the
-- caller's id one InitPlan per query, so a page stays one index range plus a few probes per row,
-- never a query per row. Each probe ends in `offset 0`: without it the planner may instead hash
-- every like (repost, bookmark) of the caller once per query, which costs what they have ever
-- liked, not what the page shows (an EXISTS with OFFSET is not turned into a hashed IN). The quoted tweet is read through public.tweets as
-- the caller too, so whatever hides a tweet from the caller (RLS) hides it as a quote: quote_of
-- is then null.

-- The flags probe public.bookmarks as the caller, so anon needs SELECT on it to read this view at
-- all: RLS gives anon no policy there, so anon still reads no bookmark.
grant select (user_id, tweet_id) on public.bookmarks to anon;

create or replace view public.tweet_cards with (security_invoker = true) as
select t.id, t.user_id, t.content, t.created_at, t.reply_to_id,
       p.username, p.full_name, p.avatar_url,
       coalesce(c.like_count, 0) as like_count,
       t.quote_of_id,
       coalesce(c.reply_count, 0) as reply_count,
       coalesce(c.repost_count, 0) as repost_count,
       exists (select from public.likes as l
               where l.user_id = (select auth.uid()) and l.tweet_id = t.id offset 0) as liked,
       exists (select from public.reposts as r
               where r.user_id = (select auth.uid()) and r.tweet_id = t.id offset 0) as reposted,
       exists (select from public.bookmarks as b
               where b.user_id = (select auth.uid()) and b.tweet_id = t.id offset 0) as bookmarked,
       q.id as quoted_id, q.user_id as quoted_user_id, q.content as quoted_content,
       q.created_at as quoted_created_at, q.reply_to_id as quoted_reply_to_id,
       qp.username as quoted_username, qp.full_name as quoted_full_name, qp.avatar_url as quoted_avatar_url,
       coalesce(qc.like_count, 0) as quoted_like_count,
       coalesce(qc.reply_count, 0) as quoted_reply_count,
       coalesce(qc.repost_count, 0) as quoted_repost_count,
       -- Probed only for the few tweets that quote one.
       case when q.id is not null then exists (
         select from public.likes as l where l.user_id = (select auth.uid()) and l.tweet_id = q.id offset 0) end
         as quoted_liked,
       case when q.id is not null then exists (
         select from public.reposts as r where r.user_id = (select auth.uid()) and r.tweet_id = q.id offset 0) end
         as quoted_reposted,
       case when q.id is not null then exists (
         select from public.bookmarks as b where b.user_id = (select auth.uid()) and b.tweet_id = q.id offset 0) end
         as quoted_bookmarked
from public.tweets as t
join public.profiles as p on p.id = t.user_id
left join public.tweet_counters as c on c.tweet_id = t.id
left join (
  public.tweets as q
  join public.profiles as qp on qp.id = q.user_id
  left join public.tweet_counters as qc on qc.tweet_id = q.id
) on q.id = t.quote_of_id;

revoke all on public.tweet_cards from public, anon, authenticated;
grant select on public.tweet_cards to anon, authenticated;
