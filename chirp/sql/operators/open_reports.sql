-- Open reports, oldest first: who reported whom, why, and the reported tweet's text (as it is, or as
-- it was when reported if its author deleted it since), with how many open reports the reported
-- user has and whether they are suspended already. README, "Moderation": suspend, lift, resolve.
-- Run: psql "$DATABASE_URL" -f chirp/sql/operators/open_reports.sql
select
  report.id,
  report.created_at,
  report.reporter,
  report.reported,
  (select count(*) from public.reports as other
   where other.reported_id = kept.reported_id and other.resolved_at is null) as open_against,
  reported.suspended_at is not null as suspended,
  report.tweet_id,
  case when report.tweet_id is null then null when tweet.id is null then 'deleted' else 'live' end as tweet_state,
  left(replace(coalesce(tweet.content, kept.tweet_content), E'\n', ' '), 280) as tweet_text,
  left(replace(report.reason, E'\n', ' '), 300) as reason
from public.open_reports as report
join public.reports as kept using (id)
join public.profiles as reported on reported.id = kept.reported_id
left join public.tweets as tweet on tweet.id = report.tweet_id
order by report.created_at, report.id;
