"""Chapter 6: the three mechanisms without gain (ten seeds, per-seed data) and an eight-cycle chronic-stress course."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

from dataclasses import asdict, replace

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, Chapter
from fragility_core.profiles import PROFILES
from fragility_core.science.acute import TEN_SEEDS, TREATED, acute_protocol, acute_table, arm_networks
from fragility_core.compare.claims import Claim, claims_table
from fragility_core.science.longitudinal import MAINTENANCE, ChronicStress, chronic_course, relapse_summary
from fragility_core.science.protocol import Protocol
from fragility_core.science.stages import Stages
from fragility_core.science.stress import COMBINED, EXTREME
from fragility_core.compare.tables import grid_rows, key_row, pick, series_stat, stat, summarise
from fragility_core.chapters.ch05 import NOISE_COLUMNS, ROWS, per_seed_difference

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

EFFICACY_COLUMNS = {"sparsity (weights only)": "Sparsity (%)", "clean": "Clean (%)", "standard": "Standard (%)",
                    COMBINED.name: "Combined Stress (%)"}
SHORT = {"ketamine": "Ketamine", "ssri": "SSRI", "neurosteroid": "Neurosteroid"}
COURSE = ChronicStress()


def protocol(profile: str, seeds) -> Protocol:
    return acute_protocol(profile, seeds, gain=False, per_seed_data=True)


def maintenance(p: Protocol, arm: str):
    return replace(MAINTENANCE[arm], epochs=p.epochs(MAINTENANCE[arm].epochs))


def course_table(st: Stages, arm: str) -> pd.DataFrame:
    return chronic_course(arm_networks(st)[arm](), st.task, maintenance(st.protocol, arm), COURSE,
                          purpose=f"{arm}-chronic", progress=st.progress)


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    st = Stages(store, protocol, progress=progress)
    out = {"acute": acute_table(store, st)}
    courses = []
    for arm in TREATED:  # one stage per arm: an interrupted course loses at most one arm's work
        cfg = {"parent": st.treated_config(getattr(protocol, arm)), "maintenance": asdict(maintenance(protocol, arm)),
               "course": asdict(COURSE)}
        courses.append(store.table(f"ch06-course-{arm}", cfg, partial(course_table, st, arm)).assign(arm=arm))
    out["course"] = pd.concat(courses, ignore_index=True)
    return out


def course_summary(course: pd.DataFrame) -> pd.DataFrame:
    long = course.melt(id_vars=["arm", "cycle", "member", "seed"], value_vars=["combined", "sparsity"],
                       var_name="metric", value_name="value")
    return summarise(long, ["arm", "cycle", "metric"])


def relapses(course: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([relapse_summary(g, COURSE.relapse_threshold).assign(arm=arm)
                      for arm, g in course.groupby("arm", sort=False)], ignore_index=True)


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, course = results["acute"], results["course"]
    s = summarise(acute, ["arm", "metric"])
    st = lambda arm, metric: stat(s, arm=arm, metric=metric)  # noqa: E731
    cs = course_summary(course)
    rel = relapses(course)
    n = st("untreated", COMBINED.name)["n_seeds"]
    last = int(course["cycle"].max())
    rows = grid_rows(s, "Table 1", ROWS, EFFICACY_COLUMNS)
    rows += grid_rows(s, "Table 2", ROWS, NOISE_COLUMNS)
    for cycle in range(last + 1):
        rows += [key_row("Table 3", f"{SHORT[a]}, Cycle {cycle}", "Combined-Stress Accuracy (%)",
                         stat(cs, arm=a, cycle=cycle, metric="combined")) for a in TREATED]
    rate = {}
    for arm in TREATED:
        r = rel[rel.arm == arm]
        relapsed = int(r["relapsed"].sum())
        rate[arm] = 100.0 * relapsed / len(r)
        rows += [key_row("Table 4", SHORT[arm], "Total accuracy drop (cycle 0 to 8)", series_stat(r["total_drop"])),
                 key_row("Table 4", SHORT[arm], "Final accuracy (cycle 8)", series_stat(r["final"])),
                 key_row("Table 4", SHORT[arm], "Seeds with relapse (<80%)", relapsed, 1),
                 key_row("Table 4", SHORT[arm], "Seeds without relapse (≥80%)", len(r) - relapsed, 1)]
        if arm != "ketamine":
            rows.append(key_row("Table 4", SHORT[arm], "Mean cycle at relapse (if relapsed)",
                                float(r["first_relapse_cycle"].mean()), n))
    k_cycles = [pick(cs, arm="ketamine", cycle=c, metric="combined") for c in range(last + 1)]
    comb = {a: st(a, COMBINED.name)["value"] for a in ("untreated", *TREATED)}
    n8 = course[(course.arm == "neurosteroid") & (course.cycle == last)]["combined"]
    rows += [
        key_row("", "SSRI-like", "Longitudinal relapse rate (% of seeds)", rate["ssri"], 1),
        key_row("", "Neurosteroid-like", "Longitudinal relapse rate (% of seeds)", rate["neurosteroid"], 1),
        {**key_row("", "SSRI-like & Neurosteroid-like", "Extreme (σ=2.5) (%)",
                   (st("ssri", EXTREME.name)["value"] + st("neurosteroid", EXTREME.name)["value"]) / 2, n),
         "min": min(st(a, EXTREME.name)["value"] for a in ("ssri", "neurosteroid")),
         "max": max(st(a, EXTREME.name)["value"] for a in ("ssri", "neurosteroid"))},
        *[key_row("", ROWS[a], "Acute relapse drop (pt)", st(a, "relapse drop")) for a in TREATED],
        key_row("", "Neurosteroid-like (damping off)", "Combined Stress (%)", st("neurosteroid-off", COMBINED.name)),
        key_row("", "Neurosteroid-like (damping off)", "Extreme (σ=2.5) (%)", st("neurosteroid-off", EXTREME.name)),
        key_row("", "Ketamine-like, cycles 0-8", "Combined-Stress Accuracy (%)", sum(k_cycles) / len(k_cycles), n),
        key_row("", "Ketamine-like, Cycle 8", "Sparsity (%)", stat(cs, arm="ketamine", cycle=last, metric="sparsity")),
        {**key_row("", "Neurosteroid-like, Cycle 8", "Combined-Stress Accuracy (%)", series_stat(n8)),
         "min": float(n8.min()), "max": float(n8.max())},
        key_row("", "Ketamine-like & Neurosteroid-like", "Improvement over untreated, combined stress (pt)",
                (comb["ketamine"] + comb["neurosteroid"]) / 2 - comb["untreated"], n),
        key_row("", "SSRI-like", "Improvement over untreated, combined stress (pt)",
                comb["ssri"] - comb["untreated"], n),
        key_row("", "Ketamine-like", "Combined-Stress Accuracy, all cycles (%)", min(k_cycles), n),
        key_row("", "Untreated (pruned)", "Combined Stress (%)", comb["untreated"], n),
        key_row("", "Neurosteroid-like (damping off)", "Combined-stress loss (pt)", series_stat(per_seed_difference(
            acute, ("neurosteroid", COMBINED.name), ("neurosteroid-off", COMBINED.name)))),
        {**key_row("", "SSRI-like & Neurosteroid-like", "Longitudinal relapse rate (% of seeds)",
                   (rate["ssri"] + rate["neurosteroid"]) / 2, 1),
         "min": min(rate["ssri"], rate["neurosteroid"]), "max": max(rate["ssri"], rate["neurosteroid"])},
    ]
    return pd.DataFrame(rows)


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, course = results["acute"], results["course"]
    s = summarise(acute, ["arm", "metric"])
    v = lambda arm, metric: pick(s, arm=arm, metric=metric)  # noqa: E731
    cs = course_summary(course)
    rel = relapses(course)
    last = int(course["cycle"].max())
    c = lambda arm, cycle: pick(cs, arm=arm, cycle=cycle, metric="combined")  # noqa: E731
    n_rel = {a: int(rel[rel.arm == a]["relapsed"].sum()) for a in TREATED}
    n_seeds = int(course["seed"].nunique())
    k = [c("ketamine", i) for i in range(last + 1)]
    f = lambda metric, arms: ", ".join(f"{a} {v(a, metric):.1f}" for a in arms)  # noqa: E731
    return claims_table([
        Claim("C6.1", "Combined stress: neurosteroid-like ≈ ketamine-like ≫ SSRI-like ≫ untreated.",
              abs(v("neurosteroid", COMBINED.name) - v("ketamine", COMBINED.name)) <= 1.0
              and v("ketamine", COMBINED.name) > v("ssri", COMBINED.name) > v("untreated", COMBINED.name),
              f(COMBINED.name, ("neurosteroid", "ketamine", "ssri", "untreated"))),
        Claim("C6.2", "Extreme stress: ketamine-like ≫ SSRI-like ≈ neurosteroid-like.",
              v("ketamine", EXTREME.name) > max(v("ssri", EXTREME.name), v("neurosteroid", EXTREME.name)) + 20,
              f(EXTREME.name, TREATED)),
        Claim("C6.3", "Acute relapse drop: ketamine-like < neurosteroid-like < SSRI-like.",
              v("ketamine", "relapse drop") < v("neurosteroid", "relapse drop") < v("ssri", "relapse drop"),
              f("relapse drop", TREATED)),
        Claim("C6.4", "With the neurosteroid-like drug off, combined stress falls and extreme-noise accuracy rises.",
              v("neurosteroid-off", COMBINED.name) < v("neurosteroid", COMBINED.name)
              and v("neurosteroid-off", EXTREME.name) > v("neurosteroid", EXTREME.name),
              f(COMBINED.name, ("neurosteroid", "neurosteroid-off")) + "; extreme " +
              f(EXTREME.name, ("neurosteroid", "neurosteroid-off"))),
        Claim("C6.5", "The ketamine-like arm holds its combined-stress accuracy through all cycles (range ≤ 1 pt) and "
              "never relapses.", max(k) - min(k) <= 1.0 and n_rel["ketamine"] == 0,
              f"range {min(k):.1f}–{max(k):.1f}; relapsed seeds {n_rel['ketamine']}/{n_seeds}"),
        Claim("C6.6", "The SSRI-like arm improves over the course (cycle 8 above cycle 0).",
              c("ssri", last) > c("ssri", 0), f"cycle 0 {c('ssri', 0):.1f} → cycle {last} {c('ssri', last):.1f}"),
        Claim("C6.7", "The neurosteroid-like arm declines late in the course (cycle 8 below cycle 5).",
              c("neurosteroid", last) < c("neurosteroid", min(5, last)),
              f"cycle 5 {c('neurosteroid', min(5, last)):.1f} → cycle {last} {c('neurosteroid', last):.1f}"),
        Claim("C6.8", "Relapsed seeds: ketamine-like fewest, SSRI-like most.",
              n_rel["ketamine"] <= n_rel["neurosteroid"] <= n_rel["ssri"], ", ".join(f"{a} {x}/{n_seeds}" for a, x in n_rel.items())),
    ])


CHAPTER = Chapter(
    number=6, slug='ch06_longitudinal', title='Durability under chronic stress',
    volume_title=('Structural Rebuilding Confers Superior Long-Term Resilience: A Unified Multi-Mechanism Computational '
                  'Comparison of Antidepressants in Chronic Stress'),
    volume_lines=(3453, 4029),
    summary=('After the acute comparison over ten seeds, each treated network goes through repeated cycles of '
             'further pruning, each followed by maintenance matched to its mechanism. Combined-stress accuracy is '
             'followed cycle by cycle, and a network counts as relapsed when it falls below a fixed threshold.'),
    doi='10.5281/zenodo.18295517',
    default_seeds=TEN_SEEDS, fresh_seeds=FRESH_SEEDS, panel_claims=frozenset({"C6.8"}),
    profiles=tuple(PROFILES),
    protocol=protocol, compute=compute, reproduced=reproduced, claims=claims,
)
