-- A faithful local stand-in for what a Supabase project provides before any migration runs:
-- the API roles, `auth.users`, and `auth.uid()`, `auth.role()`, `auth.jwt()` reading the
-- `request.jwt.claims` setting that the API sets per transaction. `python -m migrations` runs it
-- only where the `auth` schema is missing (plain PostgreSQL); a Supabase project already has it.

-- Roles are cluster-wide: another database on the same server may have created them already.
do $$
declare
  role_spec text[];
begin
  foreach role_spec slice 1 in array array[
    ['anon', 'nologin noinherit'],
    ['authenticated', 'nologin noinherit'],
    ['service_role', 'nologin noinherit bypassrls'],
    ['authenticator', 'login noinherit']
  ] loop
    begin
      if not exists (select from pg_roles where rolname = role_spec[1]) then
        execute format('create role %I %s', role_spec[1], role_spec[2]);
      end if;
    exception when duplicate_object or unique_violation then
      null; -- a concurrent run in another database created it first
    end;
  end loop;
end
$$;

grant anon, authenticated, service_role to authenticator;

create schema auth;
grant usage on schema auth to anon, authenticated, service_role;

create table auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255) unique,
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_anonymous boolean not null default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;

-- Supabase grants the API roles everything in `public` by default; migrations must revoke what
-- they do not mean to give, so the stand-in reproduces those defaults.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
