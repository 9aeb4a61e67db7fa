"""Warnings shared by every layer (kept at the bottom so that no layer imports upwards)."""


class OptimizeWarning(UserWarning):
    """Warning about a questionable input to a solver (as scipy's ``OptimizeWarning``)."""
