"""Data for :mod:`kiemdiem.imports.encodings` (JSON tables; this file makes the folder ship)."""
