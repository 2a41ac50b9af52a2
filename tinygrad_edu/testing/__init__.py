"""Checks for autodiff, for this package's tests and for users' own operations.

`gradcheck` and `gradgradcheck` need only numpy. `check_primitive` (testing/check.py) and
the hypothesis strategies (`tinygrad_edu.testing.strategies`) need hypothesis: they load
when first used, where it is installed (the `dev` extra).
"""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]  # and, where hypothesis is:
LAZY = ("check_primitive", "DOMAINS", "PrimitiveCheckError")  # check.py's, loaded on use


def __getattr__(name: str):
    # check.py imports hypothesis, which the package itself does not need: load on first use
    if name in LAZY:
        from . import check
        return getattr(check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
