-- Queries of the local sign-in (`api/local_auth.py`), run as the database owner on the local
-- stand-in's `auth` schema. Users come back in the shape `api/local_auth.py` renders.

-- create_password_user --
-- A confirmed email user with the bcrypt hash of their password; no row when the email is taken.
insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values (%(user_id)s, 'authenticated', 'authenticated', %(email)s,
        %(password_hash)s, now(),
        '{"provider": "email", "providers": ["email"]}', %(user_metadata)s, now(), now())
on conflict do nothing
returning id;

-- password_hash --
-- The password hash of the email user with this address (none for accounts without a password).
select id, encrypted_password
from auth.users
where email = %(email)s and encrypted_password is not null;

-- start_session --
-- A new session of the user, with its first refresh token.
with session as (
  insert into auth.sessions (id, user_id) values (%(session_id)s, %(user_id)s) returning id, user_id
)
insert into auth.refresh_tokens (token, user_id, session_id)
select %(token_hash)s, user_id::text, id from session
returning session_id;

-- spend_refresh_token --
-- Revoke an unrevoked refresh token, once: of two concurrent refreshes with it, one gets the row.
update auth.refresh_tokens set revoked = true, updated_at = now()
where token = %(token_hash)s and not revoked
returning session_id, user_id::uuid as user_id, token;

-- refresh_token_state --
-- A refresh token that could not be spent: already revoked (reuse), or unknown (no row).
select session_id, revoked from auth.refresh_tokens where token = %(token_hash)s;

-- rotate_refresh_token --
-- The spent token's successor in the same session.
with refreshed as (
  update auth.sessions set refreshed_at = now(), updated_at = now() where id = %(session_id)s returning id, user_id
)
insert into auth.refresh_tokens (token, user_id, session_id, parent)
select %(token_hash)s, user_id::text, id, %(parent)s from refreshed
returning session_id;

-- end_session --
-- Sign one session out (a reused refresh token ends its session, as in Supabase Auth).
delete from auth.sessions where id = %(session_id)s;

-- end_user_sessions --
-- Sign the user out everywhere: sessions go, and their refresh tokens with them.
delete from auth.sessions where user_id = %(user_id)s;

-- end_other_sessions --
-- Sign the user out everywhere but this session.
delete from auth.sessions where user_id = %(user_id)s and id <> %(session_id)s;

-- session_exists --
-- Whether a session of this user is still signed in.
select exists (select from auth.sessions where id = %(session_id)s and user_id = %(user_id)s) as exists;

-- auth_user --
-- A user as Supabase Auth shows it; the last sign-in is their newest session's start.
select id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data,
       (select max(created_at) from auth.sessions where user_id = users.id) as last_sign_in_at,
       created_at, updated_at, is_anonymous
from auth.users where id = %(user_id)s;
