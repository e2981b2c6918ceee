"""Finding tweets and people: threads around a tweet (`context`), hashtag timelines (`hashtags`),
and search over tweets and profiles (`search`), all read as the caller through public.tweet_cards."""
