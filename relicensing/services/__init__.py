"""Writes in the relicensing area, by noun: catalog, equipment (registrations, holds, flags,
disputes), imports."""
