"""The Discord layer: a thin adapter that puts the answer engine into Discord."""
