"""Commit ranges and changed files from git."""
