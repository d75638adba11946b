"""What the book says about each chapter of the volume: page slug, titles, where the chapter
lies in the source text, and a short summary in our own words (no published numbers here:
those live only in ``data/published_values.csv``)."""
from __future__ import annotations

from dataclasses import dataclass

SOURCE_FILE = "../shared/seeds/004_2cafc5a9b5c54c8e.txt"
VOLUME_DOI = "10.5281/zenodo.18316723"


@dataclass(frozen=True)
class ChapterMeta:
    number: int
    slug: str            # page name under book/chapters/
    title: str           # our short title
    volume_title: str    # the chapter's title as published
    first_line: int      # 1-based line range in SOURCE_FILE
    last_line: int
    summary: str
    doi: str | None = None   # the chapter's own Zenodo record, where it has one


_CHAPTERS = (
    ChapterMeta(
        1, "ch01_overpruning", "Over-pruning and random regrowth",
        "Excessive Synaptic Pruning Induces Network Fragility That Is Rescued by Simulated "
        "Neuroplasticity: A Computational Model of Vulnerability and Recovery in Major "
        "Depressive Disorder",
        652, 1117,
        "A four-class toy classifier is trained, then stripped of almost all of its weights by "
        "magnitude pruning. The thinned network loses accuracy and, above all, robustness to "
        "noisy inputs. Switching half of the removed connections back on at random and "
        "fine-tuning restores both, which the chapter reads as a model of how lost synapses "
        "could make a brain fragile and how regrown ones could repair it."),
    ChapterMeta(
        2, "ch02_pruning_cliff", "The pruning cliff under internal noise",
        "The Synaptic Pruning Cliff: Threshold-Like Network Fragility Under Internal Stress and "
        "Efficient Recovery in a Computational Model of Depression",
        1118, 1622,
        "Noise injected into the hidden layers joins input noise as a stressor. Sweeping the "
        "pruning level shows that robustness does not fade gradually but collapses past a "
        "threshold sparsity. Regrowth guided by accumulated gradients is compared with random "
        "regrowth as the repair step.",
        doi="10.5281/zenodo.18214082"),
    ChapterMeta(
        3, "ch03_consolidation", "Consolidation time and repeated regrowth",
        "Simulating Synaptic Pruning and Ketamine-Like Recovery in Depression: Insights from "
        "Consolidation Duration and Iterative Regimens on Resilience and Relapse",
        1623, 2302,
        "Two questions about the repair step. First, how long the regrown network must be "
        "fine-tuned before its resilience to extreme internal noise, and to a second pruning "
        "hit, settles. Second, whether one large regrowth or several smaller rounds, each "
        "followed by short fine-tuning, leaves the sturdier network.",
        doi="10.5281/zenodo.18246390"),
    ChapterMeta(
        4, "ch04_mechanisms", "Three treatment mechanisms from one pruned network",
        "Divergent Mechanisms of Antidepressant Efficacy: A Unified Computational Comparison of "
        "Synaptogenesis, Stabilization, and Tonic Inhibition in a Model of Depression",
        2303, 2904,
        "Identical copies of one pruned network receive three stylised treatments: structural "
        "regrowth (ketamine-like), slow low-rate retraining under a fading noise schedule "
        "(SSRI-like) and tonic inhibition with a saturating activation (neurosteroid-like). "
        "The arms are compared on efficacy, on resilience across internal-noise levels, and on "
        "how much they lose when a further share of weights is pruned away.",
        doi="10.5281/zenodo.18290014"),
    ChapterMeta(
        5, "ch05_manic_switch", "Excitability gain and the manic-switch proxies",
        "Modeling Antidepressant-Induced Manic Switch in a Unified Computational Framework: "
        "Insights from Ketamine, SSRIs, and Neurosteroids",
        2905, 3452,
        "The three treatments of the previous chapter gain an excitability multiplier and are "
        "repeated over ten seeds. Two proxies for the risk of a switch into mania are added: "
        "accuracy when the internal noise is biased upwards, and the mean size of the hidden "
        "activations."),
    ChapterMeta(
        6, "ch06_longitudinal", "Durability under chronic stress",
        "Structural Rebuilding Confers Superior Long-Term Resilience: A Unified Multi-Mechanism "
        "Computational Comparison of Antidepressants in Chronic Stress",
        3453, 4029,
        "After the acute comparison over ten seeds, each treated network goes through repeated "
        "cycles of further pruning, each followed by maintenance matched to its mechanism. "
        "Combined-stress accuracy is followed cycle by cycle, and a network counts as relapsed "
        "when it falls below a fixed threshold.",
        doi="10.5281/zenodo.18295517"),
    ChapterMeta(
        7, "ch07_mood_stabiliser", "Mood-stabiliser maintenance and withdrawal",
        "Modeling Antidepressant-Induced Manic Switch and Longitudinal Relapse: A Unified "
        "Pruning Framework Highlights Glutamatergics' Disease-Modifying Potential",
        4030, 4706,
        "The acute battery of the manic-switch chapter is followed by maintenance under a "
        "mood-stabiliser wrapper for several durations. The drug is then withdrawn, the "
        "stabiliser's protection decays at an arm-specific rate, and a manic relapse is counted "
        "when biased-noise accuracy drops below a threshold.",
        doi="10.5281/zenodo.18298989"),
    ChapterMeta(
        8, "ch08_bipolar_progression", "Scars and kindling in bipolar progression",
        "Irreversible Episode-Induced Scarring and Differential Repair in Simulated Bipolar "
        "Disorder Progression",
        4707, 5503,
        "Permanent scars, connections that can never grow back, are added: some from early "
        "adversity, more after every relapse, in proportion to a severity score. The treated "
        "networks are tested acutely, after discontinuation, and through repeated kindling "
        "cycles with a shrinking trigger, ending with a test of whether episodes have become "
        "autonomous."),
    ChapterMeta(
        9, "ch09_llm_kindling", "Kindling in language-model alignment",
        "Kindling in Neural Systems: Progressive Adversarial Sensitization During LLM Alignment "
        "Mirrors Psychiatric Progression",
        5504, 6041,
        "The kindling idea moves to a small chat language model tuned through repeated cycles "
        "on biased preference-style data with sparse LoRA adapters. Jailbreak rates on "
        "adversarial prompts of graded strength, and drift on neutral prompts, are tracked per "
        "cycle for plain tuning, tuning with regrowth, and regrowth with triggered replay of "
        "balanced data."),
    ChapterMeta(
        10, "ch10_gru", "The kindling protocol on a recurrent network",
        "Cross-Domain Kindling: Recurrent Simulations Reveal Shared Risks of Unrestrained "
        "Plasticity in Bipolar Disorder and Language Model Alignment",
        6042, 6668,
        "The scar-and-kindling protocol of chapter 8 is rerun with a gated recurrent network "
        "unrolled over time steps in place of the feed-forward one, to ask whether the "
        "advantage of structural regrowth survives a change of architecture."),
)


def chapter_meta(chapter: int) -> ChapterMeta:
    """The metadata of chapter 1..10."""
    if chapter not in range(1, 11):
        raise ValueError(f"chapter must be an integer in 1..10, got {chapter!r}")
    return _CHAPTERS[chapter - 1]


def all_chapters() -> tuple[ChapterMeta, ...]:
    return _CHAPTERS
