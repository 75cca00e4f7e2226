"""Treatment plugin: massage treatment plans and signed session notes."""
