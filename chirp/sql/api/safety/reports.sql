-- Queries behind POST /reports. Reports are the operators' (public.open_reports): the caller may
-- file one as themselves but not read it back, so the API chooses the id and reads no row.

-- file_report --
-- File a report as the caller (a trigger checks that the tweet, if any, is the reported user's and keeps its text); returns the id and time.
with filed as (
  insert into public.reports (id, reporter_id, reported_id, tweet_id, reason)
  values (%(id)s, %(user_id)s, %(reported_id)s, %(tweet_id)s, %(reason)s)
)
select %(id)s::uuid as id, now() as created_at;
