"""Threads of comments on any resource (proposals, debates, budget projects, results)."""
