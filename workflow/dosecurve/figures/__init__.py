"""Figures: the data behind each, how each is drawn, and the catalogue that names them."""
