"""The NumPy reference: every component of a neural network, written out."""
