-- The query behind /trends.

-- trending_hashtags --
-- Top hashtags over the current hour and the 23 before it: a range of the primary key on `hour`.
select tag, sum(count)::bigint as count
from public.hashtag_hourly_counts
where hour >= date_trunc('hour', now()) - interval '23 hours'
group by tag
having sum(count) > 0
order by count desc, tag
limit %(limit)s;
