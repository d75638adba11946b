"""fragility_core: the mechanism behind the fragility-book reproduction of *Network Fragility* (Cheung 2026)."""
__version__ = "0.1.0"
