"""The worker: scheduler, jobs, connectors (CRM, webhooks, feeds) and the outbox engine."""
