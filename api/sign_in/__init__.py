"""The local stand-in for Supabase Auth's `/auth/v1` (`endpoints`), its errors, sessions and
password hashes, and `python -m api.token`'s test tokens."""
