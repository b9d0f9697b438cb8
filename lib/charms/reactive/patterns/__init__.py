"""Patterns built on the Endpoint API (1.x ``charms.reactive.patterns``)."""
