"""Follows and notifications: who wants to hear about what, and what they were told."""
