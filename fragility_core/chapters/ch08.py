"""Chapter 8: early-adversity scars, discontinuation and six-cycle kindling (published values only, for now)."""
from __future__ import annotations

from fragility_core.chapters.base import Chapter


CHAPTER = Chapter(
    number=8, slug='ch08_bipolar_progression', title='Scars and kindling in bipolar progression',
    volume_title=('Irreversible Episode-Induced Scarring and Differential Repair in Simulated Bipolar Disorder '
                  'Progression'),
    volume_lines=(4707, 5503),
    summary=('Permanent scars, connections that can never grow back, are added: some from early adversity, more '
             'after every relapse, in proportion to a severity score. The treated networks are tested acutely, '
             'after discontinuation, and through repeated kindling cycles with a shrinking trigger, ending with a '
             'test of whether episodes have become autonomous.'),
)
