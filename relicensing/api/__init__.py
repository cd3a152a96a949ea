"""The relicensing area's API views, by noun."""
