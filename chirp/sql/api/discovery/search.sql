-- Queries behind GET /search/tweets and GET /search/users: PostgreSQL's own full text search and
-- C-collated prefix ranges, over text folded by public.search_folded (lower case, no accents); see
-- migrations/20261206200400_search.sql. Read as the caller, through public.tweet_cards.

-- search_tweets_page --
-- Tweets containing every word of the query, in any order, newest first: tweets_search_idx finds
-- them (or, for words in many tweets, the walk down tweets_created_at_idx stops at a page's worth).
select card.*
from public.tweet_cards as card
where to_tsvector('simple'::regconfig, public.search_folded(card.content))
      @@ plainto_tsquery('simple'::regconfig, public.search_folded(%(q)s))
  and (card.created_at, card.id) < (%(before_created_at)s, %(before_id)s)
order by card.created_at desc, card.id desc
limit %(limit)s;

-- search_users_page --
-- Profiles matching the query, in three ranks: usernames starting with it, then full names
-- starting with it, then usernames or full names containing it elsewhere; within a rank by the
-- key it matched on (the username, or the full name then the id). Each rank is one walk of a
-- C-collated index from the page's start (a prefix is one range); a page after the cursor
-- (`after_rank`, the profile `after_id`) starts from that profile's key in its rank.
with query as (
  select public.search_folded(%(q)s) collate "C" as folded
),
after as (
  select %(after_rank)s::integer as rank,
         coalesce((
           select case when %(after_rank)s::integer = 1 then public.search_folded(full_name)
                       else lower(username) end
           from public.profiles where id = %(after_id)s::uuid
         ), '') collate "C" as key,
         %(after_id)s::uuid as id
),
bounds as (
  -- Where each rank starts: after the cursor in its own rank, at the beginning in later ones.
  select rank,
         case when rank = (select rank from after) then (select key from after) else '' end collate "C" as key,
         case when rank = (select rank from after) then (select id from after)
              else '00000000-0000-0000-0000-000000000000'::uuid end as id
  from (values (0), (1), (2)) as ranks(rank)
  where rank >= (select rank from after)
),
matches as (
  (
    select p.id, 0 as rank
    from public.profiles as p
    where (select rank from after) <= 0
      and lower(p.username) collate "C" >= (select folded from query)
      and lower(p.username) collate "C" < (select folded from query) || U&'\+10FFFF'
      and starts_with(lower(p.username), (select folded from query))
      and lower(p.username) collate "C" > (select key from bounds where rank = 0)
    order by lower(p.username) collate "C"
    limit %(limit)s
  )
  union all
  (
    select p.id, 1
    from public.profiles as p
    where (select rank from after) <= 1
      and p.full_name is not null
      and public.search_folded(p.full_name) collate "C" >= (select folded from query)
      and public.search_folded(p.full_name) collate "C" < (select folded from query) || U&'\+10FFFF'
      and starts_with(public.search_folded(p.full_name), (select folded from query))
      and not starts_with(lower(p.username), (select folded from query))
      and (public.search_folded(p.full_name) collate "C", p.id)
          > ((select key from bounds where rank = 1), (select id from bounds where rank = 1))
    order by public.search_folded(p.full_name) collate "C", p.id
    limit %(limit)s
  )
  union all
  (
    select p.id, 2
    from public.profiles as p
    where lower(p.username) collate "C" > (select key from bounds where rank = 2)
      and not starts_with(lower(p.username), (select folded from query))
      and not coalesce(starts_with(public.search_folded(p.full_name), (select folded from query)), false)
      and (strpos(lower(p.username), (select folded from query)) > 0
           or strpos(public.search_folded(p.full_name), (select folded from query)) > 0)
    order by lower(p.username) collate "C"
    limit %(limit)s
  )
)
select p.id, p.username, p.full_name, p.avatar_url, p.created_at, p.updated_at,
       coalesce(c.tweet_count, 0) as tweet_count,
       coalesce(c.follower_count, 0) as follower_count,
       coalesce(c.following_count, 0) as following_count,
       exists (select from public.follows as f
               where f.follower_id = (select auth.uid()) and f.followee_id = p.id) as following,
       exists (select from public.follows as f
               where f.follower_id = p.id and f.followee_id = (select auth.uid())) as followed_by,
       matches.rank
from matches
join public.profiles as p on p.id = matches.id
left join public.profile_counters as c on c.user_id = p.id
order by matches.rank,
         case when matches.rank = 1 then public.search_folded(p.full_name) else lower(p.username) end collate "C",
         p.id
limit %(limit)s;
