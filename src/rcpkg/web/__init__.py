"""The web layer: Flask blueprints over the store. Thin: negotiate, validate input, call store, render."""
