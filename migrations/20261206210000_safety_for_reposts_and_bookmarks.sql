-- Blocks, mutes and suspension on the tables of reposts and bookmarks, which were made after the
-- safety migrations (20261206170*): the same rules as on likes.
--
-- Writes: a repost across a block is refused (PT403, as a like is), and a suspended user's reposts
-- and bookmarks are refused (the statement-level trigger every writable table has).
create trigger reposts_refuse_across_block before insert on public.reposts
  for each row execute function public.refuse_across_block();
create trigger reposts_refuse_suspended before insert or delete on public.reposts
  for each statement execute function public.refuse_suspended_writer();
create trigger bookmarks_refuse_suspended before insert or delete on public.bookmarks
  for each statement execute function public.refuse_suspended_writer();

-- Reads: a reader does not see the reposts of a user they may not see (one they block, who blocks
-- them, whom they mute, or a suspended one), as they do not see that user's tweets.
drop policy "Anyone can read reposts" on public.reposts;
create policy "Anyone can read reposts of users they may see" on public.reposts
  for select to anon, authenticated using (not public.author_hidden(user_id));
