-- Queries behind /tweets/{id}/bookmark and /me/bookmarks. Bookmarks are private: RLS lets a user
-- read and write only their own, and they make no event.

-- bookmark_tweet --
-- Bookmark a tweet as the caller, idempotently; returns the bookmark, new or existing.
with inserted as (
  insert into public.bookmarks (user_id, tweet_id) values (%(user_id)s, %(tweet_id)s)
  on conflict do nothing
  returning user_id, tweet_id, created_at
)
select user_id, tweet_id, created_at from inserted
union all
select user_id, tweet_id, created_at from public.bookmarks
where user_id = %(user_id)s and tweet_id = %(tweet_id)s;

-- unbookmark_tweet --
-- Remove the caller's bookmark of a tweet, if any; returns what it removed (a result, not a row
-- count, which a transaction in pipeline mode knows only once it is flushed).
delete from public.bookmarks where user_id = %(user_id)s and tweet_id = %(tweet_id)s returning tweet_id;

-- bookmarks_page --
-- The caller's bookmarked tweets, newest bookmark first: one range of bookmarks_user_id_created_at_idx,
-- each row placed at its bookmark's time.
select card.*, bookmark.created_at as position_at
from public.bookmarks as bookmark
join public.tweet_cards as card on card.id = bookmark.tweet_id
where bookmark.user_id = %(user_id)s
  and (bookmark.created_at, bookmark.tweet_id) < (%(before_created_at)s, %(before_id)s)
order by bookmark.created_at desc, bookmark.tweet_id desc
limit %(limit)s;
