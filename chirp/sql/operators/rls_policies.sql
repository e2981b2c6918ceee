-- Every table in public with its row level security state and each of its policies.
-- Run: psql "$DATABASE_URL" -f chirp/sql/operators/rls_policies.sql
select
  tables.relname as table_name,
  tables.relrowsecurity as rls_enabled,
  tables.relforcerowsecurity as rls_forced,
  policies.policyname,
  policies.cmd as command,
  policies.roles,
  policies.qual as using_expression,
  policies.with_check as with_check_expression
from pg_class as tables
join pg_namespace as namespaces on namespaces.oid = tables.relnamespace
left join pg_policies as policies
  on policies.schemaname = namespaces.nspname and policies.tablename = tables.relname
where namespaces.nspname = 'public' and tables.relkind in ('r', 'p')
order by tables.relname, policies.cmd, policies.policyname;
