-- Local sign-in: what the web process's `/auth/v1` (Supabase Auth's API, served on plain
-- PostgreSQL only) keeps in the local stand-in's `auth` schema: sessions and refresh tokens, beside
-- the bcrypt hashes in `auth.users.encrypted_password` (made by the web process: the embedded
-- PostgreSQL has no pgcrypto).
-- A Supabase project's `auth` belongs to its Auth server, which has its own `auth.sessions`, and
-- any other `auth` schema that is not the stand-in (no password column) is not ours either: there
-- this migration changes nothing.
do $$
begin
  if to_regclass('auth.sessions') is not null or not exists (
    select from information_schema.columns
    where table_schema = 'auth' and table_name = 'users' and column_name = 'encrypted_password'
  ) then
    return;
  end if;

  create table auth.sessions (
    id uuid primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    refreshed_at timestamptz
  );
  create index sessions_user_id_idx on auth.sessions (user_id);

  -- `token` holds the SHA-256 (hex) of the refresh token, never the token itself: whoever reads
  -- this table cannot sign in with what they read.
  create table auth.refresh_tokens (
    id bigserial primary key,
    token varchar(255) not null unique,
    user_id varchar(255) not null,
    session_id uuid not null references auth.sessions (id) on delete cascade,
    parent varchar(255),
    revoked boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  );
  create index refresh_tokens_session_id_idx on auth.refresh_tokens (session_id);

  -- Only the database owner (the web process signing people in) touches these.
  revoke all on auth.sessions, auth.refresh_tokens from public;
  revoke all on sequence auth.refresh_tokens_id_seq from public;

end
$$;
