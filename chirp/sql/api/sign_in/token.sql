-- Queries of `python -m api.token`, run as the database owner on the local database.

-- create_auth_user --
-- A local stand-in account in auth.users, as Supabase Auth would create at sign-up.
insert into auth.users (id, aud, role, email)
values (%(user_id)s, 'authenticated', 'authenticated', %(email)s);

-- create_profile --
-- The new user's profile.
insert into public.profiles (id, username) values (%(user_id)s, %(username)s);
