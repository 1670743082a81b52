"""Spaces: participatory processes, their phases, categories, components and roles."""
