"""Numerical linear algebra that the book teaches: pivoted QR and the damped solve of
MINPACK (:mod:`refopt.linalg.qr`), and, as they land, LSMR and the Lawson-Hanson family."""

from .qr import enorm, qrfac, qrsolv

__all__ = ["enorm", "qrfac", "qrsolv"]
