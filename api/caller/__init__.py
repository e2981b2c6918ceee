"""Who calls (token verification: `tokens`) and the per-request transaction run as that caller
(`database`, with `pooler` checking for a transaction-mode pooler)."""
