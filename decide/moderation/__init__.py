"""Reports, hiding, blocking, and the moderators' queue."""
