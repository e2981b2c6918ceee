-- Search inside PostgreSQL, with nothing but what every PostgreSQL has: the embedded server ships
-- no pg_trgm and no unaccent (hosted Supabase has both), so one code path serves both.
--
-- Tweets: built-in full text search with the 'simple' configuration (lower-cases, no stemming, no
-- stop words: every language alike), over the text folded by public.search_folded, which takes
-- accents and other marks off (compatibility decomposition, NFKD, then combining marks removed),
-- so "cafe" finds "Café" and "CAFÉ", "елка" finds "Ёлка", "καλημερα" finds "Καλημέρα", and
-- full-width "ＡＢＣ" is "abc". Words are what PostgreSQL's parser finds: letters of any script
-- between spaces and punctuation. Scripts written without spaces (Chinese, Japanese) are one
-- word per run of characters: a search finds a whole run, not a part of it.

-- Immutable, so an index may use it; a SQL-standard body is parsed here, once, so the caller's
-- search_path cannot change what it calls.
create function public.search_folded(content text) returns text
language sql immutable strict parallel safe
return translate(
  replace(replace(replace(
    regexp_replace(normalize(lower(content), nfkd), '[\u0300-\u036f]', '', 'g'),
    'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'),
  'łøđħı', 'lodhi');
comment on function public.search_folded(text) is
  'Text as search compares it: lower case, without accents or other combining marks (NFKD).';
revoke all on function public.search_folded(text) from public, anon, authenticated;
grant execute on function public.search_folded(text) to anon, authenticated;

-- Each tweet's words, computed once when it is written and stored: a search for common words walks
-- tweets newest first and tests each row's stored words (about a microsecond), where computing
-- them from the content would cost some 50 µs a row; rare words go through the GIN index. A query
-- matches with `search_vector @@ plainto_tsquery('simple', search_folded(q))`: every word, any order.
alter table public.tweets add column search_vector tsvector
  generated always as (to_tsvector('simple'::regconfig, public.search_folded(content))) stored;
create index tweets_search_idx on public.tweets using gin (search_vector);

-- People by the start of their username or full name (folded as above), each one range of a
-- C-collated index (byte order: a prefix is a range); "contains" walks the username index in order.
create index profiles_username_search_idx on public.profiles ((lower(username) collate "C"));
create index profiles_full_name_search_idx
  on public.profiles ((public.search_folded(full_name) collate "C"), id) where full_name is not null;
