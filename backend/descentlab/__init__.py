"""Descent Lab: see how neural networks train."""

__version__ = "0.1.0"
