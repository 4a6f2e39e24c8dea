"""Confluence: REST clients, storage format and the managed page section."""
