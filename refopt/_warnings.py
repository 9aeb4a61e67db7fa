"""Warnings shared by every layer (kept at the bottom so that no layer imports upwards)."""

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class OptimizeWarning(UserWarning):
    """Warning about a questionable input to a solver (as scipy's ``OptimizeWarning``)."""


def warn_user(message, category: type = UserWarning) -> None:
    """``warnings.warn`` pointed at the first line outside refopt: the user's call.

    A fixed ``stacklevel`` is right for one depth of call only; refopt warns at several depths
    (``minimize`` -> method -> helper, or the helper called directly), so the level is found
    by walking out of the package's frames.
    """
    frame, level = sys._getframe(0), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
