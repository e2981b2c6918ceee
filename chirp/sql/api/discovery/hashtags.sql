-- Queries behind GET /hashtags/{tag}/tweets. public.tweet_hashtags is the consumer's (one row per
-- tweet and lower-case tag); tweets are read through public.tweet_cards as the caller.

-- hashtag_tweets_page --
-- Tweets carrying a hashtag (ignoring case), newest first: one range of tweet_hashtags' primary key.
select card.*
from public.tweet_hashtags as tagged
join public.tweet_cards as card on card.id = tagged.tweet_id
where tagged.tag = lower(%(tag)s)
  and (tagged.created_at, tagged.tweet_id) < (%(before_created_at)s, %(before_id)s)
order by tagged.created_at desc, tagged.tweet_id desc
limit %(limit)s;
