"""gunicorn: its configuration (`gunicorn_config`), the worker that ends streams on stop, and its own
refusals as problem+json. Nothing imports this folder but gunicorn itself."""
