"""Adapters that send what the outbox holds: webhook deliveries over HTTP, e-mail over SMTP, and the worker."""
