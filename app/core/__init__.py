"""The platform-neutral domain: no framework, no network, no adapters (import-linter enforces)."""
