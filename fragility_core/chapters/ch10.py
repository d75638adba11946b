"""Chapter 10: the kindling protocol on a recurrent network (published values only, for now)."""
from __future__ import annotations

from fragility_core.chapters.base import Chapter


CHAPTER = Chapter(
    number=10, slug='ch10_gru', title='The kindling protocol on a recurrent network',
    volume_title=('Cross-Domain Kindling: Recurrent Simulations Reveal Shared Risks of Unrestrained Plasticity in '
                  'Bipolar Disorder and Language Model Alignment'),
    volume_lines=(6042, 6668),
    summary=('The scar-and-kindling protocol of chapter 8 is rerun with a gated recurrent network unrolled over '
             'time steps in place of the feed-forward one, to ask whether the advantage of structural regrowth '
             'survives a change of architecture.'),
)
