"""Fake services on 127.0.0.1 that tests run against."""
