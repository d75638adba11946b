"""The network stages of the single-seed chapters, each computed at most once (the store caches them).

baseline -> pruned -> {treatment arms}; the stage configs nest their parents', so a change upstream
invalidates everything downstream.
"""
from __future__ import annotations

from dataclasses import asdict, replace

from .connectivity import prune_magnitude
from .data import BlobTask, seed_task_spec
from .network import EnsembleMLP
from .protocol import Protocol
from .store import ResultStore
from .training import train
from .treatments import Treatment, treat
from .validate import check_fraction


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

        return self.store.network("baseline", self.baseline_config(), compute)

    def pruned(self, fraction: float | None = None) -> EnsembleMLP:
        fraction = self.protocol.prune_fraction if fraction is None else check_fraction("fraction", fraction)

        def compute():
            net = self.baseline()
            prune_magnitude(net, fraction)
            return net

        return self.store.network(f"pruned-{fraction:g}", self.pruned_config(fraction), compute)

    def treated(self, treatment: Treatment) -> EnsembleMLP:
        """``treatment`` applied to a copy of the pruned network."""
        return self.store.network(f"treated-{treatment.name}", self.treated_config(treatment),
                                  lambda: treat(self.pruned(), treatment, self.task.train, progress=self.progress))

    def regrown(self, by: str) -> EnsembleMLP:
        """The protocol's ketamine-like regrowth, sites chosen ``by`` gradient or at random (chapters 1–2)."""
        return self.treated(self.ketamine(by))

    def regrown_config(self, by: str) -> dict:
        return self.treated_config(self.ketamine(by))

    def ketamine(self, by: str):
        k = replace(self.protocol.ketamine, by=by)
        return k if by == "gradient" else replace(k, name="random-regrowth")
