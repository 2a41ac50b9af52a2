"""Checks for autodiff, for this package's tests and for users' own operations.

`gradcheck` and `gradgradcheck` need only numpy. The hypothesis strategies live in
`tinygrad_edu.testing.strategies` (import it where hypothesis is installed).
"""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]
