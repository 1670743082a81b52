"""Forms of the accountability component."""
