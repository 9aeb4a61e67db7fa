"""The result record every solver returns: a dict that also reads as attributes."""

from __future__ import annotations

from typing import Any

import numpy as np

# Keys a reader looks for first; the rest follow in the order the solver set them.
_LEADING_KEYS = ("message", "success", "status", "fun", "x", "cost", "nit")


class OptimizeResult(dict):
    """Solver output as a dictionary with attribute access.

    ``res.x`` and ``res["x"]`` name the same entry. Which entries exist depends on
    the solver; ``res.keys()`` lists them. The repr shows one entry per line, the
    entries a reader wants first (message, success, status, ...) at the top.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    __setattr__ = dict.__setitem__  # type: ignore[assignment]
    __delattr__ = dict.__delitem__  # type: ignore[assignment]

    def __dir__(self) -> list[str]:
        return list(self.keys())

    def __repr__(self) -> str:
        if not self:
            return f"{type(self).__name__}()"
        keys = [k for k in _LEADING_KEYS if k in self]
        keys += [k for k in self if k not in keys]
        width = max(len(str(k)) for k in keys) + 1
        with np.printoptions(threshold=20, edgeitems=3):
            return "\n".join(_format_entry(str(k), self[k], width) for k in keys)

    def __getstate__(self) -> dict:
        return dict(self)

    def __setstate__(self, state: dict) -> None:
        self.update(state)


def _format_entry(key: str, value: Any, width: int) -> str:
    """``key: value`` with the key right-aligned and continuation lines indented."""
    if isinstance(value, dict):
        text = _format_dict(value)
    elif isinstance(value, (str, np.ndarray)):
        text = str(value)  # as scipy shows them: no quotes, no array(...)
    else:
        text = repr(value)
    pad = "\n" + " " * (width + 2)
    return f"{key.rjust(width)}: {text.replace(chr(10), pad)}"


def _format_dict(value: dict) -> str:
    if not value:
        return "{}"
    width = max(len(str(k)) for k in value) + 1
    return "\n".join(_format_entry(str(k), v, width) for k, v in value.items())
