"""How the reproduction notebooks print numbers, so that nbval's comparison is portable and sharp.

nbval compares a notebook's printed text with the stored outputs, on machines with other CPUs, BLAS
kernels and thread counts. The rules the notebooks follow:

* A number is printed at the precision its claim needs (a rate to 2 significant digits when the claim
  is a slope of 1 vs 1/2, a log10 excess loss to 1 decimal when the paper prints 1 decimal), so the
  last printed digit is far above float noise. Each cell says why its precision suffices.
* Float-noise quantities (residuals near machine precision, Newton gradient norms) are printed as
  bounds with :func:`below`, which asserts the bound.
* Quantities that depend on rounding (iteration counts at a threshold, bits of a run stopped at a
  threshold, tiny residuals) go into ``assert`` statements with stated tolerances; where a table of
  them is worth reading, it is printed in a cell marked ``# NBVAL_IGNORE_OUTPUT`` and labelled
  "machine-dependent digits, not compared", next to the compared cell that asserts on them.

The sanitizer (``reproductions/nbval_sanitize.cfg``) only replaces memory addresses of figures.
"""
from __future__ import annotations


def below(value: float, bound: float, name: str = "value") -> str:
    """``"< bound"`` as text, after asserting ``value < bound`` (the bound is what nbval compares)."""
    assert value < bound, f"{name} = {value!r} is not below {bound:g}"
    return f"< {bound:.0e}"


def within(value: float, target: float, tol: float, name: str = "value") -> str:
    """``"within tol of target"`` as text, after asserting ``|value - target| <= tol``."""
    assert abs(value - target) <= tol, f"{name} = {value!r} is not within {tol:g} of {target:g}"
    return f"within {tol:g} of {target:g}"
