"""A blueprint per resource: tweets (and the home timeline), users, notifications, trends, and the
operations endpoints; `representations` turns their rows into the contract's JSON."""
