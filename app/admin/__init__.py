"""Administrative actions, shared by the admin API and the `jembatan` CLI: one module per
thing administered (factions, keys, outbox and dead letters, complaints, webhooks, the audit
log), and `paging` for their keyset pages. Callers import from the module that holds the action.

Each action works inside the caller's transaction and adds its audit entry there, so the
change and its record commit together or not at all. Bad input raises `Problem` before
anything changes (the CLI shows its detail; the API renders it as problem+json).
"""
