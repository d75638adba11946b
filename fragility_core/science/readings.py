"""Alternative readings of the volume's ambiguities, as transformations of the acute arms' networks.

The pages compare each chosen reading (the protocol-decisions page) with its alternatives, to show which
conclusions it carries. Only readings that change evaluation, not training, are here: the networks are the
stored ones, so the comparison isolates the reading.

- ``A10``: internal noise enters *after* gain and damping (``a·g·d + ε``) instead of before (``(a + ε)·g·d``).
  The modulated arms train without internal noise (chapter 4; chapter 5's SSRI-like arm trains with a noise
  ramp, so there the reading also changes training, which this does not redo);
- ``A11``: withdrawing the neurosteroid-like drug removes gain and damping but keeps its tanh (instead of
  restoring ReLU).
"""
from __future__ import annotations

from collections.abc import Callable

from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.acute import arm_networks
from fragility_core.science.stages import Stages
from fragility_core.science.treatments import drug_off
from fragility_core.validate import check_choice

READINGS = {"A10": "internal noise after gain and damping", "A11": "drug off keeps the tanh"}


def noise_after_modulation(net: EnsembleMLP) -> EnsembleMLP:
    """A copy whose internal noise is added after gain and damping (A10's alternative); weights untouched."""
    alt = net.clone()
    alt.noise_before_modulation = False
    return alt


def drug_off_keeping_tanh(net: EnsembleMLP) -> EnsembleMLP:
    """The drug removed as :func:`~fragility_core.science.treatments.drug_off` does, but the tanh kept (A11's
    alternative)."""
    off = drug_off(net)
    off.use_tanh.copy_(net.use_tanh)
    return off


def alternative_arms(st: Stages, reading: str) -> dict[str, Callable[[], EnsembleMLP]]:
    """The arms whose networks ``reading`` changes, under that reading."""
    check_choice("reading", reading, tuple(READINGS))
    arms = arm_networks(st)
    if reading == "A10":
        return {a: (lambda make=make: noise_after_modulation(make())) for a, make in arms.items()
                if a not in ("dense", "untreated", "neurosteroid-off")}   # unmodulated: nothing to reorder
    return {"neurosteroid-off": lambda: drug_off_keeping_tanh(st.treated(st.protocol.neurosteroid))}
