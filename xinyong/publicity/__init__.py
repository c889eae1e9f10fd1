"""Dual publicity and publicity periods (公示期)."""
