-- The database holds a tweet's content to the API's rules (contract, Database), whoever writes it:
-- NFC-normalised, no surrounding whitespace, at least one visible character. (1..280 characters
-- and no control characters but tab and newline were already checked: tweets_content_length,
-- tweets_content_characters.) Through psql or PostgREST, `authenticated` could store a
-- whitespace-only tweet, one of only U+202E U+200B, or text not in NFC (issue 16).
--
-- The two character sets are api/http/characters.py's, written out as regular-expression escapes;
-- tests/db/test_tweet_content_rules.py checks, code point by code point, that they agree.
--   whitespace (Python's str.strip()): the first bracket of tweets_content_trimmed;
--   invisible (whitespace, Default_Ignorable_Code_Point, format characters but the prepended
--   concatenation marks, U+2800): the bracket of tweets_content_visible.

alter table public.tweets
  add constraint tweets_content_nfc check (content is nfc normalized) not valid,
  add constraint tweets_content_trimmed check (
    content !~ '^[\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]'
    and content !~ '[\u0009-\u000D\u001C-\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]$'
  ) not valid,
  add constraint tweets_content_visible check (
    content ~ '[^\u0009-\u000D\u001C-\u0020\u0085\u00A0\u00AD\u034F\u061C\u115F-\u1160\u1680\u17B4-\u17B5\u180B-\u180F\u2000-\u200F\u2028-\u202F\u205F-\u206F\u2800\u3000\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]'
  ) not valid;

-- New rows are held to the rules from now on. Rows written before them are checked once here; a
-- database that already holds breaking tweets keeps them (the migration does not delete what users
-- wrote), with the constraint left NOT VALID and a warning saying how to find them.
do $$
declare
  rule text;
begin
  foreach rule in array array['tweets_content_nfc', 'tweets_content_trimmed', 'tweets_content_visible'] loop
    begin
      execute format('alter table public.tweets validate constraint %I', rule);
    exception when check_violation then
      raise warning 'public.tweets holds tweets that break %: new tweets are checked, old ones are not; '
        'find them with: select id from public.tweets where not (%s)',
        rule, (select pg_get_expr(conbin, conrelid) from pg_constraint
               where conrelid = 'public.tweets'::regclass and conname = rule);
    end;
  end loop;
end
$$;
