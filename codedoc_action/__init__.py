"""Keep a Confluence page documenting a repository current, with your own AI key."""

__version__ = "0.1.0"
