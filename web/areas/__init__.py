"""Key areas, hotspot overrides and incident imports: checked, audited edits and their pages."""
