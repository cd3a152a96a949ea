"""Writes in the contracts area, by noun: the price book, quotes."""
