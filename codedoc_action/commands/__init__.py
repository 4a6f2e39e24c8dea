"""Subcommands of the codedoc CLI other than the documentation run."""
