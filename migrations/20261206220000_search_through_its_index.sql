-- Tweet search through its GIN index again, under row level security.
--
-- A scan as the caller must check the tweets policy (blocks, mutes, suspension) before any of the
-- caller's own conditions that are not leakproof, and `@@` (ts_match_vq) is not: PostgreSQL then
-- may not use it as an index condition, so a search as the caller walked the tweets newest first
-- testing each (0.1 s for a word in 0.1 % of 1,000,000 tweets) or read them all (5 s for a common
-- word with a rare one). Only a superuser may mark a function leakproof, which a Supabase project's
-- migrations are not; so the matching is done here, as the table's owner, whose scans the policy
-- does not filter, with the same rules applied as plain conditions (the planner may order them
-- after the index): no suspended author, and for a signed-in caller none across a block either way
-- or muted. The API then reads the page's tweets through public.tweet_cards as the caller, so the
-- policy still decides what is shown; these conditions only keep the page full.
--
-- It answers ids and times of tweets the caller may read, nothing else, so it may be called by
-- anyone, through PostgREST too. Its statement is planned for the words each time (EXECUTE): a rare
-- word through tweets_search_idx, words in many tweets by walking tweets_created_at_idx.

create function public.matching_tweet_ids(
  words text, before_created_at timestamptz, before_id uuid, max_rows integer
) returns table (id uuid, created_at timestamptz)
language plpgsql stable security definer set search_path = ''
rows 20
as $$
begin
  return query execute $query$
    select t.id, t.created_at
    from public.tweets as t
    where t.search_vector @@ plainto_tsquery('simple'::regconfig, public.search_folded($1))
      and (t.created_at, t.id) < ($2, $3)
      -- Probed only for matching tweets, whatever order the planner gives the conditions: a walk
      -- past thousands of tweets without the words would otherwise probe each one's author.
      and case when t.search_vector @@ plainto_tsquery('simple'::regconfig, public.search_folded($1)) then
        not exists (select from public.profiles as author
                    where author.id = t.user_id and author.suspended_at is not null offset 0)
        and ($5::uuid is null or (
          not exists (select from public.blocks as b where b.blocker_id = $5 and b.blocked_id = t.user_id offset 0)
          and not exists (select from public.blocks as b where b.blocker_id = t.user_id and b.blocked_id = $5 offset 0)
          and not exists (select from public.mutes as m where m.muter_id = $5 and m.muted_id = t.user_id offset 0)))
      end
    order by t.created_at desc, t.id desc
    limit least(greatest($4, 0), 1000)
  $query$ using words, before_created_at, before_id, max_rows, auth.uid();
end
$$;
comment on function public.matching_tweet_ids(text, timestamptz, uuid, integer) is
  'Ids and times of the tweets the caller may read that contain every word of `words`, newest first, before a position.';
revoke all on function public.matching_tweet_ids(text, timestamptz, uuid, integer) from public;
grant execute on function public.matching_tweet_ids(text, timestamptz, uuid, integer) to anon, authenticated;
