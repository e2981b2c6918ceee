"""Safety: blocks and mutes (`relations`), and reports for the operators (`reports`).

What a block or a mute hides and refuses, and what a suspension stops, the database holds for every
entry point (RLS and triggers, migrations/*_safety_*.sql); these endpoints make and list them, and
the database's refusals (SQLSTATE PT403, PT422) reach clients as 403 and 422 with their reason.
"""
