"""Intake plugin: questionnaires, scoring and the safety screen (manifest added by intake-web)."""
