-- The embedded local server's own settings (migrations/embedded.py); never run against a real project.

-- offer_local_password --
-- Hand the password for TCP clients to this session, for set_local_password to read.
select set_config('chirp.local_password', %(password)s, false);

-- set_local_password --
-- Give the server's superuser that password, stored as a SCRAM-SHA-256 verifier.
do $$
begin
  set local password_encryption = 'scram-sha-256';
  execute format('alter role %I password %L', current_user, current_setting('chirp.local_password'));
end
$$;
