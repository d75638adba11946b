"""Chapter 9: alignment kindling in a chat language model (published values only, for now)."""
from __future__ import annotations

from fragility_core.chapters.base import Chapter


CHAPTER = Chapter(
    number=9, slug='ch09_llm_kindling', title='Kindling in language-model alignment',
    volume_title=('Kindling in Neural Systems: Progressive Adversarial Sensitization During LLM Alignment Mirrors '
                  'Psychiatric Progression'),
    volume_lines=(5504, 6041),
    summary=('The kindling idea moves to a small chat language model tuned through repeated cycles on biased '
             'preference-style data with sparse LoRA adapters. Jailbreak rates on adversarial prompts of graded '
             'strength, and drift on neutral prompts, are tracked per cycle for plain tuning, tuning with '
             'regrowth, and regrowth with triggered replay of balanced data.'),
)
