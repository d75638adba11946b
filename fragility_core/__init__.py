"""fragility_core: the mechanism behind the fragility-book reproduction of *Network Fragility* (Cheung 2026)."""
__version__ = "0.1.0"

from fragility_core import ranges as _ranges  # noqa: E402  (parameter ranges, checked at construction)

_ranges.install()
