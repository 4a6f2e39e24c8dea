"""The CI environment: event to commit range, outputs, summary, log format."""
