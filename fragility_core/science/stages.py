"""The network stages of the single-seed chapters, each computed at most once (the store caches them).

baseline -> pruned -> {treatment arms}; the stage configs nest their parents', so a change upstream
invalidates everything downstream.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import asdict, replace
from functools import partial

import pandas as pd

from fragility_core.science.connectivity import prune_magnitude
from fragility_core.science.data import BlobTask, seed_task_spec
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.protocol import Protocol
from fragility_core.science.training import train
from fragility_core.science.stress import BATTERY, stress_battery
from fragility_core.science.sweep import sparsity_sweep
from fragility_core.science.treatments import Treatment, treat
from fragility_core.validate import check_fraction

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore


class Stages:
    """Network stages for one protocol; every network comes from the store."""

    def __init__(self, store: ResultStore, protocol: Protocol, *, progress: bool = True):
        self.store = store
        self.protocol = protocol
        self.progress = progress
        self.task = (BlobTask.per_member([seed_task_spec(s, protocol.task) for s in protocol.seeds])
                     if protocol.per_seed_data else BlobTask.generate(protocol.task))

    # --- configs (pure) -------------------------------------------------------------------------
    def baseline_config(self) -> dict:
        return {**self.protocol.config(), "baseline": asdict(self.protocol.baseline)}

    def pruned_config(self, fraction: float | None = None) -> dict:
        fraction = self.protocol.prune_fraction if fraction is None else fraction
        return {"parent": self.baseline_config(), "prune_fraction": fraction}

    def treated_config(self, treatment: Treatment) -> dict:
        return {"parent": self.pruned_config(), "treatment": type(treatment).__name__, **asdict(treatment)}

    # --- networks -------------------------------------------------------------------------------
    def baseline(self) -> EnsembleMLP:
        p = self.protocol

        def compute():
            net = EnsembleMLP(p.seeds, device=self.store.device)
            train(net, self.task.train.x, self.task.train.y, p.baseline, purpose="baseline",
                  progress=self.progress, desc="dense baseline")
            return net

        return self.store.model("baseline", self.baseline_config(), compute, EnsembleMLP)

    def pruned(self, fraction: float | None = None) -> EnsembleMLP:
        fraction = self.protocol.prune_fraction if fraction is None else check_fraction("fraction", fraction)

        def compute():
            net = self.baseline()
            prune_magnitude(net, fraction)
            return net

        return self.store.model(f"pruned-{fraction:g}", self.pruned_config(fraction), compute, EnsembleMLP)

    def treated(self, treatment: Treatment) -> EnsembleMLP:
        """``treatment`` applied to a copy of the pruned network."""
        return self.store.model(f"treated-{treatment.name}", self.treated_config(treatment),
                                lambda: treat(self.pruned(), treatment, self.task.train, progress=self.progress),
                                EnsembleMLP)

    def regrown(self, by: str) -> EnsembleMLP:
        """The protocol's ketamine-like regrowth, sites chosen ``by`` gradient or at random (chapters 1–2)."""
        return self.treated(self.ketamine(by))

    def regrown_config(self, by: str) -> dict:
        return self.treated_config(self.ketamine(by))

    def ketamine(self, by: str):
        k = replace(self.protocol.ketamine, by=by)
        return k if by == "gradient" else replace(k, name="random-regrowth")


# --- table stages shared by chapters 1–3 (the same key wherever they are used: computed once) -----------
def sweep_table(st: Stages) -> pd.DataFrame:
    return sparsity_sweep(st.baseline(), st.task, st.protocol.sweep_levels)


def sweep_stage(store: ResultStore, st: Stages) -> pd.DataFrame:
    """The sparsity sweep of the trained baseline (chapters 1–3)."""
    cfg = {"parent": st.baseline_config(), "levels": st.protocol.sweep_levels, "conditions": BATTERY}
    return store.table("sweep", cfg, partial(sweep_table, st))


def regrowth_battery_table(st: Stages) -> pd.DataFrame:
    networks = {"baseline": st.baseline, "pruned": st.pruned, "gradient": lambda: st.regrown("gradient"),
                "random": lambda: st.regrown("random")}
    return pd.concat([stress_battery(make(), st.task, BATTERY, stage=name) for name, make in networks.items()],
                     ignore_index=True)


def regrowth_battery(store: ResultStore, st: Stages) -> pd.DataFrame:
    """The battery of dense, pruned, gradient-regrown and randomly regrown networks (chapters 2–3)."""
    cfg = {"stages": {"baseline": st.baseline_config(), "pruned": st.pruned_config(),
                      "gradient": st.regrown_config("gradient"), "random": st.regrown_config("random")},
           "conditions": BATTERY}
    return store.table("regrowth-battery", cfg, partial(regrowth_battery_table, st))
