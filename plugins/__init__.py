"""Bundled plugins, one package each."""
