-- Tweet search checks who may read a tweet only for the tweets it returns, not for every match.
--
-- public.matching_tweet_ids (20261206220000) tested its visibility rules (suspended author,
-- blocks either way, mutes: four probes) inside the scan, before sorting: for a word in 0.1 % of
-- 1,000,000 tweets, 4,000 probes to return 21 ids, 7 of its 11 ms. Now the matches are sorted
-- first (newest first: a top-N sort of the few found through tweets_search_idx, or the walk of
-- tweets_created_at_idx that words in many tweets take) and the rules are tested as rows leave
-- that order, until the page is full: a probe per tweet returned, plus one per tweet left out.
-- The sorted subquery ends in `offset 0` so that the rules stay outside it; with no sort or join
-- above it, the LIMIT still reaches its plan (the walk stops early) and its order is kept.
--
-- Same signature, same rules, same grants (create or replace keeps them).
create or replace function public.matching_tweet_ids(
  words text, before_created_at timestamptz, before_id uuid, max_rows integer
) returns table (id uuid, created_at timestamptz)
language plpgsql stable security definer set search_path = ''
rows 20
as $$
begin
  return query execute $query$
    select found.id, found.created_at
    from (
      select t.id, t.created_at, t.user_id
      from public.tweets as t
      where t.search_vector @@ plainto_tsquery('simple'::regconfig, public.search_folded($1))
        and (t.created_at, t.id) < ($2, $3)
      order by t.created_at desc, t.id desc
      offset 0
    ) as found
    where not exists (select from public.profiles as author
                      where author.id = found.user_id and author.suspended_at is not null offset 0)
      and ($5::uuid is null or (
        not exists (select from public.blocks as b where b.blocker_id = $5 and b.blocked_id = found.user_id offset 0)
        and not exists (select from public.blocks as b where b.blocker_id = found.user_id and b.blocked_id = $5 offset 0)
        and not exists (select from public.mutes as m where m.muter_id = $5 and m.muted_id = found.user_id offset 0)))
    limit least(greatest($4, 0), 1000)
  $query$ using words, before_created_at, before_id, max_rows, auth.uid();
end
$$;
