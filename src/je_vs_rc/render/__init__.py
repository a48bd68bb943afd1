"""Figures (matplotlib) and tables (Markdown) for the chapters; the only layer that draws."""
