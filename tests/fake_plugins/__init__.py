"""Deliberately broken or odd plugin manifests for the plugin-loading tests."""
