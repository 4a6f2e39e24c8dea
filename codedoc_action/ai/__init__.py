"""File selection, writing and scrubbing on top of a provider."""
