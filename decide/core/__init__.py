"""Core: accounts, the organization, i18n, HTML sanitizing, mail outbox, personal data."""
