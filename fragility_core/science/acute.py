"""The acute comparison of chapters 5–8: four arms from one pruned state, ten seeds, with manic-risk probes.

Chapters 5 and 7 run the same protocol (with gain) and share every stage; chapter 6 runs it without gain and
with per-seed data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Callable
from functools import partial

import pandas as pd

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.protocol import Protocol
from fragility_core.science.relapse import battery_with_relapse
from fragility_core.science.stages import Stages
from fragility_core.science.stress import BATTERY, BIASED, modulation_metrics
from fragility_core.science.training import Ramp, TrainSpec
from fragility_core.science.treatments import SSRI, Ketamine, Neurosteroid, drug_off

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

TEN_SEEDS = tuple(range(10))
ACUTE_CONDITIONS = (*BATTERY, BIASED)  # BATTERY includes extreme stress (σ 2.5)
TREATED = ("ketamine", "ssri", "neurosteroid")


def acute_protocol(profile: str, seeds=TEN_SEEDS, *, gain: bool, per_seed_data: bool = False) -> Protocol:
    """Chapter 5/7 (``gain=True``: K 1.25, S ramp 1.0 → 1.6, N 0.85) or chapter 6 (``gain=False``, per-seed data)."""
    ketamine, ssri, neurosteroid = Ketamine(), SSRI(), Neurosteroid()
    if gain:
        ketamine = Ketamine(gain=1.25)
        ssri = SSRI(training=TrainSpec(epochs=100, lr=1e-5, noise=Ramp(0.5, 0.0), gain=Ramp(1.0, 1.6)))
        neurosteroid = Neurosteroid(gain=0.85)
    return Protocol.for_profile(profile, seeds=seeds, ketamine=ketamine, ssri=ssri, neurosteroid=neurosteroid,
                                per_seed_data=per_seed_data)


def arm_networks(st: Stages) -> dict[str, Callable[[], EnsembleMLP]]:
    p = st.protocol
    return {"dense": st.baseline, "untreated": st.pruned, "ketamine": lambda: st.treated(p.ketamine), "ssri": lambda: st.treated(p.ssri),
            "neurosteroid": lambda: st.treated(p.neurosteroid),
            "neurosteroid-off": lambda: drug_off(st.treated(p.neurosteroid))}


def arm_configs(st: Stages) -> dict:
    p = st.protocol
    return {"dense": st.baseline_config(), "untreated": st.pruned_config(), "ketamine": st.treated_config(p.ketamine),
            "ssri": st.treated_config(p.ssri), "neurosteroid": st.treated_config(p.neurosteroid),
            "relapse": p.relapse_fraction, "drug_off": "gain 1, damping 1, ReLU restored",
            "conditions": ACUTE_CONDITIONS}


def acute_battery(st: Stages) -> pd.DataFrame:
    """Per arm × seed: the battery (+ extreme, biased), relapse before/after/drop, activation and gain."""
    parts = []
    for arm, make in arm_networks(st).items():
        net = make()
        parts.append(battery_with_relapse(net, st.task, st.protocol.relapse_fraction, ACUTE_CONDITIONS, arm=arm))
        parts.append(modulation_metrics(net, st.task, arm=arm))
    return pd.concat(parts, ignore_index=True)


def acute_table(store: ResultStore, st: Stages) -> pd.DataFrame:
    """The acute comparison as a stage; chapters running the same protocol share it (same key)."""
    name = "acute-per-seed-data" if st.protocol.per_seed_data else "acute"
    return store.table(name, arm_configs(st), partial(acute_battery, st))
