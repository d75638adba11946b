"""The chapter interface (the registry of chapters is the package, :mod:`fragility_core.chapters`).

A chapter is one module under ``fragility_core/chapters/`` that defines ``CHAPTER = Chapter(...)``: what the
book says about it, its published seeds, what it needs, and four functions:

- ``protocol(profile, seeds)`` -> its own frozen config (each chapter interprets the profile names itself);
- ``compute(store, config, progress=...)`` -> ``{name: tidy table}``, every table a stage of the store;
- ``reproduced(tables)`` -> our numbers under the published keys (table, row, column);
- ``claims(tables)`` -> the chapter's claims as predicates with verdicts.

A chapter without ``compute`` shows its published values only. The command line, the notebooks, the scorecard,
the benchmarks and the tests all iterate :data:`CHAPTERS`; nothing else lists chapters (the table of contents
holds one line per page).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fragility_core.science.protocol import Protocol, draws_own_data

FRESH_SEEDS = tuple(range(500, 530))   # the further seeds on which a chapter is evaluated again
PUBLISHED_SEED = (42,)                 # chapters 1-4 report this one network


def single_seed_protocol(profile: str, seeds) -> Protocol:
    """Chapters 1–4: the volume's seed draws the volume's data sets (split seeds 42, 100, 200: A15); any other
    seed list draws every seed's own data as well (:func:`draws_own_data`)."""
    seeds = tuple(seeds)
    return Protocol.for_profile(profile, seeds=seeds, per_seed_data=draws_own_data(seeds, PUBLISHED_SEED))


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str                      # notebook and page name
    title: str                     # our short title
    volume_title: str              # the chapter's title as published
    volume_lines: tuple[int, int]  # where the chapter lies in the volume's text (1-based, inclusive)
    summary: str                   # in our own words; no published numbers here
    doi: str | None = None         # the chapter's own Zenodo record, where it has one
    default_seeds: tuple[int, ...] = ()
    fresh_seeds: tuple[int, ...] = ()   # further seeds its page evaluates the chapter on again (FRESH_SEEDS)
    panel_claims: frozenset[str] = frozenset()   # claims about a set of seeds (a spread, a ranking in every seed,
                                                 # a count of seeds): on the further seeds they are judged on
                                                 # disjoint panels of len(default_seeds) seeds, not seed by seed
    profiles: tuple[str, ...] = ()  # the profile names this chapter accepts; the first is the default (its book's)
    own_profiles: tuple = ()         # Profile objects of the names above that only this chapter defines (e.g. cpu)
    needs: frozenset[str] = frozenset()   # e.g. {"llm"} (an extra to install) or {"cuda"}
    member_memory_mb: int = 64     # peak memory per ensemble member (smoke-profile measure, doubled): bounds the
                                   # members computed at once (chapters 5 and 6 measure about 30 MB)
    protocol: Callable[[str, tuple[int, ...]], Any] | None = None
    compute: Callable[..., dict[str, pd.DataFrame]] | None = None
    reproduced: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None
    claims: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None

    @property
    def key(self) -> str:
        return f"ch{self.number:02d}"

    @property
    def is_reproduced(self) -> bool:
        return self.compute is not None

    @property
    def notebook(self) -> str:
        """The notebook under ``notebooks/`` that renders this chapter's page."""
        return f"{self.slug}.ipynb" if self.is_reproduced else "published_chapter.ipynb"

    @property
    def page(self) -> str:
        return f"{self.slug}.ipynb"
