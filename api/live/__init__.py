"""Live updates over Server-Sent Events: the endpoints (`streams`), the per-process hub that fans
events out (`hub`), the events it reads (`events`), what each stream's reader may not see
(`visibility`: blocks, mutes, suspensions), and the collector tuning for many streams."""
