"""The stages of the single-seed chapters: baseline -> prune -> regrow + fine-tune, each cached."""
from __future__ import annotations

from .connectivity import accumulate_gradient, prune_magnitude, regrow
from .data import BlobTask
from .network import EnsembleMLP
from .protocol import Protocol
from .store import ResultStore
from .training import train
from .validate import check_choice, check_fraction


class Stages:
    """Network stages for one protocol; every network comes from the store (computed at most once)."""

    def __init__(self, store: ResultStore, protocol: Protocol, *, progress: bool = True):
        self.store = store
        self.protocol = protocol
        self.progress = progress
        self.task = BlobTask.generate(protocol.task)

    def _cfg(self, **extra) -> dict:
        return {**self.protocol.config(), **extra}

    def baseline(self) -> EnsembleMLP:
        p = self.protocol

        def compute():
            net = EnsembleMLP(p.seeds, device=self.store.device)
            train(net, self.task.train.x, self.task.train.y, p.baseline, purpose="baseline",
                  progress=self.progress, desc="dense baseline")
            return net

        return self.store.network("baseline", self._cfg(baseline=p.baseline), compute)

    def baseline_config(self) -> dict:
        return self._cfg(baseline=self.protocol.baseline)

    def pruned(self, fraction: float | None = None) -> EnsembleMLP:
        fraction = self.protocol.prune_fraction if fraction is None else check_fraction("fraction", fraction)

        def compute():
            net = self.baseline()
            prune_magnitude(net, fraction)
            return net

        return self.store.network(f"pruned-{fraction:g}", self.pruned_config(fraction), compute)

    def pruned_config(self, fraction: float | None = None) -> dict:
        fraction = self.protocol.prune_fraction if fraction is None else fraction
        return {"parent": self.baseline_config(), "prune_fraction": fraction}

    def regrown(self, by: str) -> EnsembleMLP:
        """50 % regrowth (``by`` = "random" or "gradient") of the 95 %-pruned net, then fine-tuning."""
        check_choice("by", by, ("random", "gradient"))
        p = self.protocol

        def compute():
            net = self.pruned()
            scores = None
            if by == "gradient":
                scores = accumulate_gradient(net, self.task.train.x, self.task.train.y, batches=p.gradient_batches,
                                             batch_size=p.finetune.batch_size)
            regrow(net, p.regrow_fraction, by=by, scores=scores, init_std=p.regrow_init_std, purpose=f"regrow-{by}")
            train(net, self.task.train.x, self.task.train.y, p.finetune, purpose=f"finetune-{by}",
                  progress=self.progress, desc=f"{by} regrowth fine-tune")
            return net

        return self.store.network(f"regrown-{by}", self.regrown_config(by), compute)

    def regrown_config(self, by: str) -> dict:
        p = self.protocol
        return {"parent": self.pruned_config(), "by": by, "fraction": p.regrow_fraction, "init_std": p.regrow_init_std,
                "gradient_batches": p.gradient_batches if by == "gradient" else None, "finetune": p.finetune}
