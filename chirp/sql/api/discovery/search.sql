-- Queries behind GET /search/tweets and GET /search/users: PostgreSQL's own full text search and
-- C-collated prefix ranges, over text folded by public.search_folded (lower case, no accents); see
-- migrations/20261206200400_search.sql. Read as the caller, through public.tweet_cards.

-- search_tweets_page --
-- Tweets containing every word of the query, in any order, newest first: the page's ids from
-- public.matching_tweet_ids (through tweets_search_idx for rare words, walking tweets_created_at_idx
-- for words in many tweets; see migrations/20261206220000_search_through_its_index.sql), then only
-- those rows read through tweet_cards as the caller.
select card.*
from public.matching_tweet_ids(%(q)s, %(before_created_at)s, %(before_id)s, %(limit)s) as found
join public.tweet_cards as card on card.id = found.id
order by found.created_at desc, found.id desc;

-- People in three ranks: usernames starting with the query, then full names starting with it,
-- then usernames or full names containing it elsewhere. api.discovery.search asks each rank in
-- turn until a page is full, from the profile `after_id` in the rank the page starts in (its key
-- found by id: a cursor names the profile, never its name) or from the rank's start.

-- people_by_username_prefix --
-- Ids of profiles whose username starts with the query, by username: one range of profiles_username_search_idx.
with query as (
  select public.search_folded(%(q)s) collate "C" as folded
),
after as (
  select coalesce((select lower(username) from public.profiles where id = %(after_id)s), '') collate "C" as key
)
select p.id
from public.profiles as p
where lower(p.username) collate "C" >= (select folded from query)
  and lower(p.username) collate "C" < (select folded from query) || U&'\+10FFFF'
  and starts_with(lower(p.username), (select folded from query))
  and lower(p.username) collate "C" > (select key from after)
order by lower(p.username) collate "C"
limit %(limit)s;

-- people_by_full_name_prefix --
-- Ids of profiles whose full name (not username) starts with the query, by full name then id: one range of profiles_full_name_search_idx.
with query as (
  select public.search_folded(%(q)s) collate "C" as folded
),
after as (
  select coalesce((select public.search_folded(full_name) from public.profiles where id = %(after_id)s), '')
           collate "C" as key,
         %(after_id)s::uuid as id
)
select p.id
from public.profiles as p
where p.full_name is not null
  and public.search_folded(p.full_name) collate "C" >= (select folded from query)
  and public.search_folded(p.full_name) collate "C" < (select folded from query) || U&'\+10FFFF'
  and starts_with(public.search_folded(p.full_name), (select folded from query))
  and not starts_with(lower(p.username), (select folded from query))
  and (public.search_folded(p.full_name) collate "C", p.id) > ((select key from after), (select id from after))
order by public.search_folded(p.full_name) collate "C", p.id
limit %(limit)s;

-- people_containing --
-- Ids of the other profiles whose username or full name contains the query, by username: a walk of
-- profiles_username_search_idx testing each profile (no index finds a fragment inside a name
-- without pg_trgm), asked only when the prefixes leave the page short.
with query as (
  select public.search_folded(%(q)s) collate "C" as folded
),
after as (
  select coalesce((select lower(username) from public.profiles where id = %(after_id)s), '') collate "C" as key
)
select p.id
from public.profiles as p
where lower(p.username) collate "C" > (select key from after)
  and not starts_with(lower(p.username), (select folded from query))
  and not coalesce(starts_with(public.search_folded(p.full_name), (select folded from query)), false)
  and (strpos(lower(p.username), (select folded from query)) > 0
       or strpos(public.search_folded(p.full_name), (select folded from query)) > 0)
order by lower(p.username) collate "C"
limit %(limit)s;

-- profiles_by_ids --
-- Profiles with their counters and the caller's relation to them (one probe each way, and whether the
-- caller blocks or mutes them), of the given ids.
select p.id, p.username, p.full_name, p.avatar_url, p.created_at, p.updated_at,
       coalesce(c.tweet_count, 0) as tweet_count,
       coalesce(c.follower_count, 0) as follower_count,
       coalesce(c.following_count, 0) as following_count,
       -- (offset 0: one probe per row, never a hash of all the caller's follows; see tweet_cards)
       exists (select from public.follows as f
               where f.follower_id = (select auth.uid()) and f.followee_id = p.id offset 0) as following,
       exists (select from public.follows as f
               where f.follower_id = p.id and f.followee_id = (select auth.uid()) offset 0) as followed_by,
       public.caller_blocks(p.id) as blocking,
       public.caller_mutes(p.id) as muting
from public.profiles as p
left join public.profile_counters as c on c.user_id = p.id
where p.id = any(%(ids)s::uuid[]);
