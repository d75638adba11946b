"""The relapse test: a further magnitude prune of the surviving weights, no retraining, stress before and after."""
from __future__ import annotations

import pandas as pd

from fragility_core.science.connectivity import prune_magnitude
from fragility_core.science.data import BlobTask
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.stress import COMBINED, StressCondition, evaluate
from fragility_core.validate import check_fraction


def relapse_test(net: EnsembleMLP, task: BlobTask, fraction: float = 0.4,
                 condition: StressCondition = COMBINED, **labels) -> pd.DataFrame:
    """Per member: accuracy under ``condition`` before and after pruning ``fraction`` of every layer's survivors.

    ``drop = before − after`` (protocol decision A12): positive is a loss, negative an improvement.
    The network is not modified (the prune acts on a copy); modulators stay as they are (drug on).
    """
    check_fraction("fraction", fraction)
    before = evaluate(net, task, condition)
    hit = net.clone()
    prune_magnitude(hit, fraction)
    after = evaluate(hit, task, condition)
    df = pd.DataFrame({"member": range(net.n_members), "seed": net.seeds, "before": before.numpy(),
                       "after": after.numpy()})
    df["drop"] = df["before"] - df["after"]
    for k, v in reversed(labels.items()):
        df.insert(0, k, v)
    return df


def relapse_metrics(df: pd.DataFrame) -> pd.DataFrame:
    """The relapse table in the tidy long form of the stress battery (metric/value/unit)."""
    id_vars = [c for c in df.columns if c not in ("before", "after", "drop")]
    long = df.melt(id_vars=id_vars, value_vars=["before", "after", "drop"], var_name="metric", value_name="value")
    long["metric"] = "relapse " + long["metric"]
    long["unit"] = long["metric"].map({"relapse drop": "pt"}).fillna("%")
    return long


def battery_with_relapse(net: EnsembleMLP, task: BlobTask, fraction: float = 0.4, conditions=None,
                         **labels) -> pd.DataFrame:
    """The stress battery (extreme stress included) and the relapse test, one tidy table."""
    from fragility_core.science.stress import BATTERY, stress_battery
    conditions = BATTERY if conditions is None else tuple(conditions)
    return pd.concat([stress_battery(net, task, conditions, **labels),
                      relapse_metrics(relapse_test(net, task, fraction, **labels))], ignore_index=True)
