"""HTTP plumbing every route shares: problem+json errors, CORS, request logs, metrics, validation,
pages and cursors, JSON, and the OpenAPI document."""
