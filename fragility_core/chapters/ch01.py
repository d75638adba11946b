"""Chapter 1: over-pruning causes fragility; random regrowth rescues it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, Chapter, single_seed_protocol
from fragility_core.profiles import PROFILES
from fragility_core.science.protocol import Protocol
from fragility_core.science.stages import Stages
from fragility_core.science.stress import BATTERY, INPUT_1, INPUT_2, stress_battery
from fragility_core.compare.claims import Claim, claims_table, decreasing, fmt
from fragility_core.science.sweep import locate_cliff
from fragility_core.science.stages import sweep_stage
from fragility_core.compare.tables import pick, summarise

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

STAGES = {"baseline": "Full Network", "pruned": "Pruned (95%)", "recovered": "Recovered (Regrowth + Fine-tuning)"}
TABLE1_COLUMNS = {
    "clean": "Clean accuracy (%)",
    "standard": "Standard accuracy (%)",
    INPUT_1.name: "Noisy accuracy (%) (σ=1.0)",
    INPUT_2.name: "Very noisy accuracy (%) (σ=2.0)",
    "sparsity (all parameters)": "Sparsity (%)",
}
CLIFF_METRIC = "standard"  # Ch1 does not name the metric of its cliff; it reports clean/standard/noisy accuracies


def battery_table(st: Stages) -> pd.DataFrame:
    networks = {"baseline": st.baseline, "pruned": st.pruned, "recovered": lambda: st.regrown("random")}
    return pd.concat([stress_battery(make(), st.task, stage=name) for name, make in networks.items()],
                     ignore_index=True)


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    st = Stages(store, protocol, progress=progress)
    battery_cfg = {"stages": {"baseline": st.baseline_config(), "pruned": st.pruned_config(),
                              "recovered": st.regrown_config("random")}, "conditions": BATTERY}
    return {"battery": store.table("ch01-battery", battery_cfg, partial(battery_table, st)),
            "sweep": sweep_stage(store, st)}


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Our numbers under the published keys (table, row, column) of chapter 1."""
    s = summarise(results["battery"], ["stage", "metric"])
    n = int(s["n_seeds"].iloc[0])
    rows = []
    for stage, row in STAGES.items():
        for metric, column in TABLE1_COLUMNS.items():
            rows.append(("Table 1", row, column, pick(s, stage=stage, metric=metric)))
    count = lambda stage: pick(s, stage=stage, metric="non-zero parameters")  # noqa: E731
    rows += [
        ("", STAGES["baseline"], "Active parameters", count("baseline")),
        ("", STAGES["baseline"], "Parameters (approx.)", count("baseline")),
        ("", STAGES["pruned"], "Non-zero parameters", count("pruned")),
        ("", STAGES["recovered"], "Active parameters", count("recovered")),
        ("", STAGES["recovered"], "Sparsity (%)", pick(s, stage="recovered", metric="sparsity (all parameters)")),
        # the abstract's "84–98 %" under perturbation: compared with the lower of the two perturbed accuracies
        ("", STAGES["recovered"], "Accuracy under perturbations (%)",
         min(pick(s, stage="recovered", metric=INPUT_1.name), pick(s, stage="recovered", metric=INPUT_2.name))),
        ("", "Sparsity sweep", "Sparsity range of sharp accuracy drop (%)",
         locate_cliff(results["sweep"], CLIFF_METRIC)),
    ]
    df = pd.DataFrame(rows, columns=["table", "row", "column", "value"])
    df["n_seeds"] = n
    return df


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["battery"], ["stage", "metric"])
    acc = lambda stage, metric: pick(s, stage=stage, metric=metric)  # noqa: E731
    ladder = ["clean", "standard", INPUT_1.name, INPUT_2.name]
    dense = [acc("baseline", m) for m in ladder]
    pruned = [acc("pruned", m) for m in ladder]
    rec = [acc("recovered", m) for m in ladder]
    sweep = summarise(results["sweep"], ["prune_level", "metric"])
    at90, at0 = pick(sweep, prune_level=90.0, metric=CLIFF_METRIC), pick(sweep, prune_level=0.0, metric=CLIFF_METRIC)
    cliff = locate_cliff(results["sweep"], CLIFF_METRIC)
    return claims_table([
        Claim("C1.1", "The dense network is at ceiling on clean and standard inputs and degrades as input noise grows.",
              min(dense[:2]) >= 99.5 and dense[1] > dense[2] > dense[3], "clean / standard / +σ1 / +σ2: " + fmt(dense)),
        Claim("C1.3", "The 95 % prune leaves accuracy above chance but far below dense, falling with every added "
              "perturbation.", min(pruned) > 25 and max(pruned) < 60 and decreasing(pruned),
              "clean / standard / +σ1 / +σ2: " + fmt(pruned)),
        Claim("C1.4", "Random regrowth of half the pruned weights plus fine-tuning restores dense-level accuracy, "
              "noisy conditions included (within 1 pt).",
              all(abs(r - d) <= 1.0 for r, d in zip(rec, dense)),
              "recovered − dense: " + ", ".join(f"{r - d:+.1f}" for r, d in zip(rec, dense))),
        Claim("C1.5", "Accuracy at 90 % sparsity is close to dense (within 2 pt); the sharp drop lies between 90 % "
              "and 95 %.", at0 - at90 <= 2.0 and 90.0 < cliff <= 95.0,
              f"standard accuracy at 0 % {at0:.1f}, at 90 % {at90:.1f}; half-way to chance at {cliff:.1f} %"),
    ])


CHAPTER = Chapter(
    number=1, slug='ch01_overpruning', title='Over-pruning and random regrowth',
    volume_title=('Excessive Synaptic Pruning Induces Network Fragility That Is Rescued by Simulated Neuroplasticity: A '
                  'Computational Model of Vulnerability and Recovery in Major Depressive Disorder'),
    volume_lines=(652, 1117),
    summary=('A four-class toy classifier is trained, then stripped of almost all of its weights by magnitude '
             'pruning. The thinned network loses accuracy and, above all, robustness to noisy inputs. Switching '
             'half of the removed connections back on at random and fine-tuning restores both, which the chapter '
             'reads as a model of how lost synapses could make a brain fragile and how regrown ones could repair '
             'it.'),
    default_seeds=(42,), fresh_seeds=FRESH_SEEDS, profiles=tuple(PROFILES),
    protocol=single_seed_protocol, compute=compute, reproduced=reproduced, claims=claims,
)
