"""Template tags of the relicensing pages."""
