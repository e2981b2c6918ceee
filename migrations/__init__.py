"""The schema, in Supabase CLI format: `<YYYYMMDDHHMMSS>_<name>.sql`, applied in order by
`python -m migrations` (the runner is `chirp.migrator`)."""
