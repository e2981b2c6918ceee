-- Queries about the caller's account, run as the web process's own login role (api/caller/accounts.py).

-- user_exists --
-- Whether a token's user still has its auth.users row (deleting it ends what the token may do).
select exists (select from auth.users where id = %(user_id)s) as exists;
