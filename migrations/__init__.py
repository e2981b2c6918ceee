"""The database: schema migrations in Supabase CLI format, their runner, and the local server."""
