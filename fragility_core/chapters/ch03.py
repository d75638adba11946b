"""Chapter 3: consolidation length after regrowth (Part A); acute vs chronic regrowth (Part B)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

from dataclasses import asdict, replace

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, Chapter, single_seed_protocol
from fragility_core.profiles import PROFILES
from fragility_core.compare.claims import Claim, claims_table
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.protocol import Protocol
from fragility_core.science.relapse import battery_with_relapse
from fragility_core.science.stages import Stages, regrowth_battery, sweep_stage
from fragility_core.science.stress import BATTERY, COMBINED, EXTREME, INPUT_1, INPUT_2, internal, stress_battery
from fragility_core.science.sweep import locate_cliff
from fragility_core.compare.tables import pick, summarise
from fragility_core.science.treatments import treat

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

CONSOLIDATION_EPOCHS = (0, 5, 10, 15, 20)   # published fine-tuning lengths (Part A)
CHRONIC_REPORTED = (3, 6, 10)               # published cycle counts (Part B); x3 and x6 are prefixes of x10
ACUTE = {  # Part B single-cycle regimens: (fraction of pruned sites regrown, consolidation epochs)
    "acute-moderate": (0.6, 15),
    "acute-full": (1.0, 20),
}


def _snapshots(make_members) -> EnsembleMLP:
    """Run ``make_members(snapshot)`` that calls ``snapshot(net)`` at checkpoints; concat the copies in order."""
    snaps: list[EnsembleMLP] = []
    make_members(lambda net: snaps.append(net.clone()))
    return EnsembleMLP.concat(snaps)


def checkpoints(p: Protocol) -> tuple[int, ...]:
    return tuple(p.epochs(e) for e in CONSOLIDATION_EPOCHS)


def consolidation_net(st: Stages) -> EnsembleMLP:
    """Part A: one 20-epoch consolidation run, checkpointed (identical to separate runs: same streams, order)."""
    k, cps = st.protocol.ketamine, checkpoints(st.protocol)
    longest = replace(k, finetune=replace(k.finetune, epochs=max(cps)))

    def members(snapshot):
        regrown = treat(st.pruned(), replace(longest, finetune=replace(k.finetune, epochs=0)), st.task.train,
                        progress=False)
        for e in cps:
            if e == 0:
                snapshot(regrown)
        treat(st.pruned(), longest, st.task.train, progress=st.progress,
              on_epoch_end=lambda epoch, net: [snapshot(net) for e in cps if e == epoch])
    return _snapshots(members)


def consolidation_config(st: Stages) -> dict:
    return {"parent": st.pruned_config(), "ketamine": asdict(st.protocol.ketamine),
            "checkpoints": checkpoints(st.protocol)}


def consolidation_table(store: ResultStore, st: Stages) -> pd.DataFrame:
    p = st.protocol
    net = store.model("ch03-consolidation", consolidation_config(st), partial(consolidation_net, st), EnsembleMLP)
    labels = [e for e in checkpoints(p) for _ in p.seeds]
    published_labels = [e for e in CONSOLIDATION_EPOCHS for _ in p.seeds]
    df = battery_with_relapse(net, st.task.tile_members(len(checkpoints(p))), p.relapse_fraction)
    df.insert(0, "epochs", df["member"].map(dict(enumerate(labels))))
    df.insert(0, "checkpoint", df["member"].map(dict(enumerate(published_labels))))
    return df


def regimens(p: Protocol) -> dict:
    """Part B's single-cycle regimens, as ketamine-like treatments."""
    k = p.ketamine
    return {name: replace(k, fraction=f, finetune=replace(k.finetune, epochs=p.epochs(e)), name=name)
            for name, (f, e) in ACUTE.items()}


def chronic_schedule(p: Protocol):
    return replace(p.chronic, cycles=max(CHRONIC_REPORTED))


def chronic_net(st: Stages) -> EnsembleMLP:
    """Part B's chronic schedule, snapshots after 3, 6 and 10 cycles."""
    def members(snapshot):
        treat(st.pruned(), chronic_schedule(st.protocol), st.task.train, progress=st.progress,
              on_cycle_end=lambda c, net: snapshot(net) if c in CHRONIC_REPORTED else None)
    return _snapshots(members)


def regimen_table(store: ResultStore, st: Stages) -> pd.DataFrame:
    p = st.protocol
    parts = [battery_with_relapse(st.treated(treatment), st.task, p.relapse_fraction, regimen=name)
             for name, treatment in regimens(p).items()]
    net = store.model("ch03-chronic", {"parent": st.pruned_config(), "chronic": asdict(chronic_schedule(p))},
                      partial(chronic_net, st), EnsembleMLP)
    for i, c in enumerate(CHRONIC_REPORTED):
        members = list(range(i * len(p.seeds), (i + 1) * len(p.seeds)))
        parts.append(battery_with_relapse(net.select(members), st.task, p.relapse_fraction, regimen=f"chronic-x{c}"))
    parts.append(battery_with_relapse(st.pruned(), st.task, p.relapse_fraction, regimen="pruned"))
    return pd.concat(parts, ignore_index=True)


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    st = Stages(store, protocol, progress=progress)
    p = protocol
    regimen_cfg = {"parent": st.pruned_config(), "regimens": {n: asdict(t) for n, t in regimens(p).items()},
                   "chronic": asdict(chronic_schedule(p)), "relapse": p.relapse_fraction, "conditions": BATTERY}
    return {
        "battery": regrowth_battery(store, st),
        "consolidation": store.table("ch03-consolidation", {**consolidation_config(st), "relapse": p.relapse_fraction,
                                                            "conditions": BATTERY},
                                     partial(consolidation_table, store, st)),
        "regimens": store.table("ch03-regimens", regimen_cfg, partial(regimen_table, store, st)),
        "sweep": sweep_stage(store, st),
    }


TABLE1_ROWS = {"baseline": "Baseline (0% Sparsity)", "pruned": "Pruned (~95% Sparsity)",
               "gradient": "Recovered (~47% Sparsity)"}
TABLE1_COLUMNS = {
    "clean": "Clean Accuracy", "standard": "Standard Accuracy", INPUT_1.name: "Input Noise (+1.0)",
    INPUT_2.name: "Input Noise (+2.0)", internal(0.5).name: "Internal Stress (Neural Noise): Moderate (σ=0.5)",
    internal(1.5).name: "Internal Stress (Neural Noise): Severe (σ=1.5)",
    COMBINED.name: "Combined Stress (Input +1.0, Internal 0.5)",
}
TABLE2_ROWS = {0: "0 (Immediate)", 5: "5 Epochs", 10: "10 Epochs", 15: "15 Epochs", 20: "20 Epochs"}
REGIMEN_ROWS = {"pruned": "Pruned template (Part B)", "acute-moderate": "Acute moderate (60% regrowth, 15 epochs)",
                "acute-full": "Acute full (100% regrowth, 20 epochs)", "chronic-x3": "Chronic ×3 (15 epochs)",
                "chronic-x6": "Chronic ×6 (30 epochs)", "chronic-x10": "Chronic ×10 (50 epochs)"}
RELAPSE_RESISTANT_PT = 0.5  # |relapse drop| at or below this counts as relapse-resistant (our reading of "about 15")


def consolidation_summary(results) -> pd.DataFrame:
    """Mean over seeds per published checkpoint: clean, combined, extreme, relapse before/after/drop."""
    return summarise(results["consolidation"], ["checkpoint", "metric"])


def regimen_summary(results) -> pd.DataFrame:
    return summarise(results["regimens"], ["regimen", "metric"])


def relapse_resistant_from(cons: pd.DataFrame) -> float:
    """The shortest consolidation (published epochs, ≥ 5) after which every longer run has |drop| ≤ 0.5 pt."""
    drops = {e: abs(pick(cons, checkpoint=e, metric="relapse drop")) for e in CONSOLIDATION_EPOCHS if e > 0}
    for e in sorted(drops):
        if all(d <= RELAPSE_RESISTANT_PT for e2, d in drops.items() if e2 >= e):
            return float(e)
    return float("nan")


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["battery"], ["stage", "metric"])
    cons, reg = consolidation_summary(results), regimen_summary(results)
    n = int(s["n_seeds"].iloc[0])
    acc = lambda stage, metric: pick(s, stage=stage, metric=metric)  # noqa: E731
    rows = []
    for stage, row in TABLE1_ROWS.items():
        rows += [("Table 1", row, col, acc(stage, m)) for m, col in TABLE1_COLUMNS.items()]
    rows += [("Table 1", "Recovery Delta", col, acc("gradient", m) - acc("pruned", m))
             for m, col in TABLE1_COLUMNS.items()]
    for e, row in TABLE2_ROWS.items():
        c = lambda metric: pick(cons, checkpoint=e, metric=metric)  # noqa: E731
        rows += [("Table 2", row, "Clean Accuracy", c("clean")),
                 ("Table 2", row, "Combined Stress Accuracy", c("relapse before")),
                 ("Table 2", row, "Extreme Stress Resilience (σ=2.5)", c(EXTREME.name)),
                 ("Table 2", row, "Post-Relapse Accuracy", c("relapse after")),
                 ("Table 2", row, "Relapse Vulnerability", c("relapse drop"))]
    r = lambda regimen, metric: pick(reg, regimen=regimen, metric=metric)  # noqa: E731
    change = lambda regimen: -r(regimen, "relapse drop")  # noqa: E731  (after − before)
    extreme_gain = lambda e0, e1: pick(cons, checkpoint=e1, metric=EXTREME.name) - pick(  # noqa: E731
        cons, checkpoint=e0, metric=EXTREME.name)
    x10 = r("chronic-x10", EXTREME.name)
    cliff = locate_cliff(results["sweep"], COMBINED.name)
    curve = results["sweep"][results["sweep"].metric == COMBINED.name].groupby("prune_level")["value"].mean()
    rows += [
        ("", "Dense network", "Parameters (approx.)", acc("baseline", "non-zero parameters")),
        ("", "Pruned (~95% Sparsity)", "Combined Stress (%)", acc("pruned", COMBINED.name)),
        ("", "Recovered (~47% Sparsity)", "Combined Stress (%)", acc("gradient", COMBINED.name)),
        ("", "Pruned (~95% Sparsity)", "Sparsity (%)", acc("pruned", "sparsity (all parameters)")),
        ("", "Recovered (~47% Sparsity)", "Sparsity (%)", acc("gradient", "sparsity (all parameters)")),
        ("", "20 Epochs vs 0 (Immediate)", "Extreme-stress improvement (pt)", extreme_gain(0, 20)),
        ("", "Gradient-guided regrowth (15 epochs)", "Severe internal noise accuracy (%)",
         acc("gradient", internal(1.5).name)),
        ("", "Random regrowth (comparison)", "Severe internal noise accuracy (%)", acc("random", internal(1.5).name)),
        ("", "Sparsity sweep", "Critical sparsity threshold (%)", cliff),
        ("", "Sparsity sweep", "Cliff location range (sparsity %)", cliff),
        ("", "Sparsity sweep", "Combined-stress drop at cliff (pt)", float(curve.loc[90.0] - curve.loc[95.0])),
        ("", "Consolidation duration", "Consolidation needed for relapse-resistant circuits (epochs)",
         relapse_resistant_from(cons)),
        ("", "Chronic (iterative) vs single-cycle regrowth", "Extreme-stress gain (pt)",
         (2 * x10 - r("acute-moderate", EXTREME.name) - r("acute-full", EXTREME.name)) / 2),
        ("", "Chronic ×10 (50 epochs) vs Acute moderate (60% regrowth, 15 epochs)", "Extreme-stress difference (pt)",
         x10 - r("acute-moderate", EXTREME.name)),
        ("", "Chronic ×10 (50 epochs) vs Acute full (100% regrowth, 20 epochs)", "Extreme-stress difference (pt)",
         x10 - r("acute-full", EXTREME.name)),
        ("", REGIMEN_ROWS["pruned"], "Sparsity (%)", r("pruned", "sparsity (weights only)")),
    ]
    published_cells = {  # the cells the prose states (Tables 3-4 are images)
        "acute-moderate": ("Sparsity (%)", "Combined Stress (%)", "Extreme Stress (σ=2.5) (%)"),
        "acute-full": ("Extreme Stress (σ=2.5) (%)",),
        "chronic-x3": ("Sparsity (%)", "Extreme Stress (σ=2.5) (%)"),
        "chronic-x6": ("Sparsity (%)", "Combined Stress (%)", "Extreme Stress (σ=2.5) (%)"),
        "chronic-x10": ("Sparsity (%)", "Combined Stress (%)", "Extreme Stress (σ=2.5) (%)"),
    }
    metric_of = {"Sparsity (%)": "sparsity (weights only)", "Combined Stress (%)": COMBINED.name,
                 "Extreme Stress (σ=2.5) (%)": EXTREME.name}
    for regimen, columns in published_cells.items():
        rows += [("", REGIMEN_ROWS[regimen], col, r(regimen, metric_of[col])) for col in columns]
    rows += [("", REGIMEN_ROWS[g], "Relapse change in combined accuracy (pt)", change(g))
             for g in ("acute-moderate", "acute-full", "chronic-x3")]
    rows += [("", REGIMEN_ROWS["chronic-x6"], "Relapse: accuracy reduced by (pt)", r("chronic-x6", "relapse drop")),
             ("", REGIMEN_ROWS["chronic-x10"], "Relapse: accuracy increased by (pt)", change("chronic-x10"))]
    df = pd.DataFrame(rows, columns=["table", "row", "column", "value"])
    df["n_seeds"] = n
    return df


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["battery"], ["stage", "metric"])
    cons, reg = consolidation_summary(results), regimen_summary(results)
    acc = lambda stage, metric: pick(s, stage=stage, metric=metric)  # noqa: E731
    c = lambda e, metric: pick(cons, checkpoint=e, metric=metric)  # noqa: E731
    r = lambda g, metric: pick(reg, regimen=g, metric=metric)  # noqa: E731
    high = [internal(1.0).name, internal(1.5).name, EXTREME.name, COMBINED.name, INPUT_2.name]
    extreme = [c(e, EXTREME.name) for e in CONSOLIDATION_EPOCHS]
    combined = [c(e, COMBINED.name) for e in CONSOLIDATION_EPOCHS if e >= 5]
    drops = {e: c(e, "relapse drop") for e in CONSOLIDATION_EPOCHS if e >= 5}
    order = ["chronic-x10", "chronic-x6", "chronic-x3", "acute-moderate", "acute-full"]
    ex_b = {g: r(g, EXTREME.name) for g in order}
    changes = {g: -r(g, "relapse drop") for g in order}
    f = lambda d: ", ".join(f"{k}: {v:+.1f}" if "relapse" in str(k) else f"{k}: {v:.1f}" for k, v in d.items())  # noqa
    return claims_table([
        Claim("C3.1", "The pruned network sits near chance under internal and combined stress (below 35 %).",
              max(acc("pruned", m) for m in (COMBINED.name, internal(0.5).name, internal(1.5).name)) < 35,
              f({m: acc("pruned", m) for m in (COMBINED.name, internal(0.5).name, internal(1.5).name)})),
        Claim("C3.2", "Half-regrowth by gradient plus 15 epochs restores combined-stress accuracy to within 2 pt of "
              "the dense network.", acc("gradient", COMBINED.name) >= acc("baseline", COMBINED.name) - 2,
              f"{acc('gradient', COMBINED.name):.1f} vs dense {acc('baseline', COMBINED.name):.1f}"),
        Claim("C3.3", "Gradient-guided beats random regrowth in every high-stress condition.",
              all(acc("gradient", m) > acc("random", m) for m in high),
              "; ".join(f"{m}: {acc('gradient', m):.1f} vs {acc('random', m):.1f}" for m in high)),
        Claim("C3.4", "Without consolidation the regrown network is near chance (clean, combined and extreme below "
              "40 %).", max(c(0, "clean"), c(0, COMBINED.name), c(0, EXTREME.name)) < 40,
              f"clean {c(0, 'clean'):.1f}, combined {c(0, COMBINED.name):.1f}, extreme {c(0, EXTREME.name):.1f}"),
        Claim("C3.5", "Extreme-stress accuracy rises with consolidation length while combined stress is flat "
              "(within 1 pt) from 5 epochs on.",
              all(b >= a for a, b in zip(extreme, extreme[1:])) and max(combined) - min(combined) <= 1.0,
              "extreme by epochs 0/5/10/15/20: " + " / ".join(f"{x:.1f}" for x in extreme)
              + "; combined ≥ 5 epochs: " + " / ".join(f"{x:.1f}" for x in combined)),
        Claim("C3.6", "After at least 5 epochs of consolidation the relapse prune costs at most 1 pt.",
              all(abs(d) <= 1.0 for d in drops.values()), f(drops)),
        Claim("C3.8", "On extreme stress the chronic schedules beat both acute regimens, more so with more cycles "
              "(×10 ≥ ×6 > ×3 > acute moderate > acute full).",
              ex_b["chronic-x10"] >= ex_b["chronic-x6"] > ex_b["chronic-x3"] > ex_b["acute-moderate"]
              > ex_b["acute-full"], f(ex_b)),
        Claim("C3.9", "Every Part B regimen changes by at most 1 pt under the relapse prune.",
              all(abs(x) <= 1.0 for x in changes.values()), f(changes)),
    ])


CHAPTER = Chapter(
    number=3, slug='ch03_consolidation', title='Consolidation time and repeated regrowth',
    volume_title=('Simulating Synaptic Pruning and Ketamine-Like Recovery in Depression: Insights from Consolidation '
                  'Duration and Iterative Regimens on Resilience and Relapse'),
    volume_lines=(1623, 2302),
    summary=('Two questions about the repair step. First, how long the regrown network must be fine-tuned before '
             'its resilience to extreme internal noise, and to a second pruning hit, settles. Second, whether one '
             'large regrowth or several smaller rounds, each followed by short fine-tuning, leaves the sturdier '
             'network.'),
    doi='10.5281/zenodo.18246390',
    default_seeds=(42,), fresh_seeds=FRESH_SEEDS, profiles=tuple(PROFILES),
    protocol=single_seed_protocol, compute=compute, reproduced=reproduced, claims=claims,
)
