"""Chapter 2: the pruning cliff under internal noise; gradient-guided vs random regrowth."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, PUBLISHED_SEED, Chapter, single_seed_protocol
from fragility_core.profiles import PROFILES
from fragility_core.science.protocol import Protocol
from fragility_core.science.stages import Stages
from fragility_core.science.stages import regrowth_battery
from fragility_core.science.stress import BATTERY, COMBINED, INPUT_1, INPUT_2, internal, stress_battery
from fragility_core.compare.claims import Claim, claims_table, verdicts_under
from fragility_core.science.readings import A8_READING, ketamine_by_net_gradient
from fragility_core.science.sweep import locate_cliff, scope_sweep
from fragility_core.science.stages import sweep_stage
from fragility_core.compare.tables import pick, summarise

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

STAGES = {"baseline": "Dense baseline", "pruned": "Pruned (95%)", "gradient": "Gradient-guided regrowth (50%)",
          "random": "Random regrowth (50%)"}
COLUMNS = {
    "clean": "Clean accuracy (%)",
    "standard": "Standard accuracy (%)",
    INPUT_1.name: "Input noise σ=1.0 (%)",
    INPUT_2.name: "Input noise σ=2.0 (%)",
    internal(0.5).name: "Internal noise σ=0.5 (moderate) (%)",
    internal(1.0).name: "Internal noise σ=1.0 (high) (%)",
    internal(1.5).name: "Internal noise σ=1.5 (severe) (%)",
    COMBINED.name: "Combined stress (input σ=1.0 + internal σ=0.5) (%)",
}
HIGH_INTERNAL = internal(1.0).name  # "high" internal noise is σ = 1.0 in the Methods
STRESSED = [INPUT_1.name, INPUT_2.name, *(internal(s).name for s in (0.3, 0.5, 1.0, 1.5)), COMBINED.name]


SCOPE_READINGS = ("global", "output spared")   # the cliff investigation: A5's alternatives beside "per layer"


def scope_stage(store: ResultStore, st: Stages) -> pd.DataFrame:
    """The sweep of the same baseline under A5's alternative pruning scopes (the cliff investigation)."""
    levels = st.protocol.sweep_levels
    cfg = {"parent": st.baseline_config(), "levels": levels, "scopes": SCOPE_READINGS, "conditions": BATTERY}
    return store.table("ch02-prune-scopes", cfg, lambda: scope_sweep(st.baseline(), st.task, levels, SCOPE_READINGS))


def a8_reading_table(st: Stages) -> pd.DataFrame:
    """The gradient-guided arm regrown under A8's alternative score (net gradient), with the battery."""
    net = ketamine_by_net_gradient(st.pruned().clone(), st.ketamine("gradient"), st.task.train, progress=st.progress)
    return stress_battery(net, st.task, BATTERY, stage="gradient")


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """The chapter's tables; on the published seed also the cliff investigation's and the gradient score's
    alternative reading (the page's further seeds place the published numbers, they are not investigated one
    by one)."""
    st = Stages(store, protocol, progress=progress)
    tables = {"battery": regrowth_battery(store, st), "sweep": sweep_stage(store, st)}
    if protocol.seeds == PUBLISHED_SEED:
        tables["prune_scopes"] = scope_stage(store, st)
        tables["a8_reading"] = store.table("ch02-a8-reading", {"parent": st.regrown_config("gradient"),
                                                               "reading": A8_READING, "conditions": BATTERY},
                                           partial(a8_reading_table, st))
    return tables


def claims_under_readings(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every claim's verdict with the gradient-guided arm regrown as chosen (Σ |gradient|) and under A8's
    alternative score, and whether the reading changes it."""
    battery, alt = results["battery"], results["a8_reading"]
    replaced = pd.concat([battery[battery["stage"] != "gradient"], alt], ignore_index=True)
    return verdicts_under(claims, {"as chosen (A8: Σ |gradient|)": results,
                                   f"A8: {A8_READING['A8']}": {**results, "battery": replaced}})


def sweep_summary(sweep: pd.DataFrame) -> dict[str, float]:
    """The quantities the chapter states about its sweep, from the combined-stress curve (mean over members)."""
    curve = sweep[sweep.metric == COMBINED.name].groupby("prune_level")["value"].mean()
    return {
        "cliff_level": locate_cliff(sweep, COMBINED.name),
        "min_up_to_90": float(curve[curve.index <= 90.0 + 1e-9].min()),
        "drop_90_to_93": float(curve.loc[90.0] - curve.loc[93.0]),
        "drop_90_to_95": float(curve.loc[90.0] - curve.loc[95.0]),
        "max_beyond_95": float(curve[curve.index > 95.0 + 1e-9].max()),
    }


SWEEP_CLAIMS = {   # the claims that depend on how the network is pruned, on sweep_summary + the pruned network
    "C2.3": lambda s: s["pruned_combined"] < 35.0,
    "C2.6a": lambda s: s["min_up_to_90"] > 96.0,
    "C2.6b": lambda s: s["drop_90_to_93"] > 40.0,
    "C2.6c": lambda s: s["max_beyond_95"] <= 31.0,
}


def cliff_readings(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The cliff investigation: the combined-stress sweep of the same baseline under each reading of which
    weights share a pruning threshold (A5: per layer; global; per layer with the output matrix spared), the
    quantities the chapter states about it and the verdict of every claim that depends on pruning."""
    sweeps = {"per layer": results["sweep"],
              **{scope: g for scope, g in results["prune_scopes"].groupby("scope", sort=False)}}
    rows = []
    for scope, sweep in sweeps.items():
        curve = sweep[sweep.metric == COMBINED.name].groupby("prune_level")["value"].mean()
        s = {**sweep_summary(sweep), "pruned_combined": float(curve.loc[95.0])}
        rows.append({"reading": scope, "combined at 90 %": float(curve.loc[90.0]),
                     "combined at 93 %": float(curve.loc[93.0]), "combined at 95 % (the pruned network)":
                     s["pruned_combined"], "lowest up to 90 %": s["min_up_to_90"],
                     "fall 90 → 93 % (pt)": s["drop_90_to_93"], "highest beyond 95 %": s["max_beyond_95"],
                     "half-way cliff (% pruned)": s["cliff_level"],
                     **{claim: "holds" if test(s) else "does not hold" for claim, test in SWEEP_CLAIMS.items()}})
    return pd.DataFrame(rows)


def cliff_by_metric(sweep: pd.DataFrame, metrics=("standard", INPUT_1.name, internal(0.5).name,
                                                   internal(1.0).name, COMBINED.name)) -> pd.DataFrame:
    """Per evaluation condition of one sweep: its value at 90 % and 93 % pruned and the fall between them (which
    condition, if any, shows the chapter's > 40 pt collapse)."""
    curve = sweep.groupby(["metric", "prune_level"])["value"].mean()
    return pd.DataFrame([{"condition": m, "at 90 %": float(curve.loc[(m, 90.0)]), "at 93 %": float(curve.loc[(m, 93.0)]),
                          "fall (pt)": float(curve.loc[(m, 90.0)] - curve.loc[(m, 93.0)])} for m in metrics])


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Our numbers under the published keys of chapter 2 (its tables are images: all keys are prose/abstract)."""
    s = summarise(results["battery"], ["stage", "metric"])
    n = int(s["n_seeds"].iloc[0])
    acc = lambda stage, metric: pick(s, stage=stage, metric=metric)  # noqa: E731
    rows = []
    published_cells = {
        "baseline": ["clean", "standard", INPUT_1.name, INPUT_2.name, internal(1.5).name],
        "pruned": ["clean", "standard", INPUT_1.name, INPUT_2.name, internal(0.5).name, internal(1.0).name,
                   COMBINED.name],
        "gradient": ["clean", "standard", INPUT_1.name, INPUT_2.name, internal(0.5).name, internal(1.0).name,
                     internal(1.5).name, COMBINED.name],
        "random": ["clean", "standard"],
    }
    for stage, metrics in published_cells.items():
        rows += [(STAGES[stage], COLUMNS[m], acc(stage, m)) for m in metrics]
    count = lambda stage: acc(stage, "non-zero parameters")  # noqa: E731
    sparsity_all = lambda stage: acc(stage, "sparsity (all parameters)")  # noqa: E731
    sw = sweep_summary(results["sweep"])
    dense_stressed = [acc("baseline", m) for m in STRESSED]
    grad_stressed = [acc("gradient", m) for m in STRESSED]
    rows += [
        (STAGES["baseline"], "Parameters (approx.)", count("baseline")),
        (STAGES["baseline"], "Trainable parameters", count("baseline")),
        (STAGES["baseline"], "Sparsity (%)", sparsity_all("baseline")),
        (STAGES["pruned"], "Active parameters", count("pruned")),
        (STAGES["pruned"], "Sparsity (%)", sparsity_all("pruned")),
        (STAGES["pruned"], "Accuracy under internal noise (%)",
         max(acc("pruned", internal(0.5).name), acc("pruned", internal(1.0).name))),
        (STAGES["gradient"], "Regrown weights", count("gradient") - count("pruned")),
        (STAGES["gradient"], "Sparsity (%)", sparsity_all("gradient")),
        (STAGES["gradient"], "Clean/standard accuracy (%)", min(acc("gradient", "clean"), acc("gradient", "standard"))),
        (STAGES["gradient"], "High internal noise accuracy, random-vs-gradient comparison (%)",
         acc("gradient", HIGH_INTERNAL)),
        (STAGES["random"], "High internal noise accuracy, random-vs-gradient comparison (%)",
         acc("random", HIGH_INTERNAL)),
        (STAGES["gradient"], "Accuracy under stress relative to baseline (% of baseline)",
         100 * sum(g / d for g, d in zip(grad_stressed, dense_stressed)) / len(STRESSED)),
        ("Sparsity sweep", "Critical sparsity threshold (%)", sw["cliff_level"]),
        ("Sparsity sweep", "Combined-stress drop beyond threshold (pt)", sw["drop_90_to_95"]),
        ("Sparsity sweep, sparsity up to ~90%", "Combined stress (%)", sw["min_up_to_90"]),
        ("Sparsity sweep, 90% to 93% sparsity", "Combined-stress accuracy collapse (pt)", sw["drop_90_to_93"]),
        ("Sparsity sweep, sparsity beyond 95%", "Combined stress (%)", sw["max_beyond_95"]),
    ]
    df = pd.DataFrame(rows, columns=["row", "column", "value"])
    df.insert(0, "table", "")
    df["n_seeds"] = n
    return df


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["battery"], ["stage", "metric"])
    acc = lambda stage, metric: pick(s, stage=stage, metric=metric)  # noqa: E731
    i = lambda sigma: internal(sigma).name  # noqa: E731
    sw = {**sweep_summary(results["sweep"]), "pruned_combined": acc("pruned", COMBINED.name)}
    grad_vs_rand = {sigma: (acc("gradient", i(sigma)), acc("random", i(sigma))) for sigma in (1.0, 1.5)}
    return claims_table([
        Claim("C2.1", "The dense network stays above 99 % under severe internal noise (σ 1.5).",
              acc("baseline", i(1.5)) > 99.0, f"{acc('baseline', i(1.5)):.1f}"),
        Claim("C2.2", "On the pruned network internal noise hurts more than input noise (σ 0.5 vs input 1.0; "
              "σ 1.0 vs input 2.0).",
              acc("pruned", i(0.5)) < acc("pruned", INPUT_1.name) and acc("pruned", i(1.0)) < acc("pruned", INPUT_2.name),
              f"{acc('pruned', i(0.5)):.1f} vs {acc('pruned', INPUT_1.name):.1f}; "
              f"{acc('pruned', i(1.0)):.1f} vs {acc('pruned', INPUT_2.name):.1f}"),
        Claim("C2.3", "Combined stress leaves the pruned network near chance (below 35 %).",
              SWEEP_CLAIMS["C2.3"](sw), f"{sw['pruned_combined']:.1f}"),
        Claim("C2.4", "Gradient-guided regrowth plus fine-tuning restores standard accuracy and combined-stress "
              "accuracy to within 2 pt of the dense network.",
              acc("gradient", "standard") >= acc("baseline", "standard") - 2
              and acc("gradient", COMBINED.name) >= acc("baseline", COMBINED.name) - 2,
              f"standard {acc('gradient', 'standard'):.1f} (dense {acc('baseline', 'standard'):.1f}); combined "
              f"{acc('gradient', COMBINED.name):.1f} (dense {acc('baseline', COMBINED.name):.1f})"),
        Claim("C2.5", "Gradient-guided regrowth beats random regrowth at high internal noise (σ 1.0 and 1.5).",
              all(g > r for g, r in grad_vs_rand.values()),
              "; ".join(f"σ {k:g}: gradient {g:.1f} vs random {r:.1f}" for k, (g, r) in grad_vs_rand.items())),
        Claim("C2.6a", "In the sweep, combined-stress accuracy stays above 96 % up to about 90 % sparsity.",
              SWEEP_CLAIMS["C2.6a"](sw), f"lowest at ≤ 90 %: {sw['min_up_to_90']:.1f}"),
        Claim("C2.6b", "Between 90 % and 93 % sparsity combined-stress accuracy collapses by more than 40 pt.",
              SWEEP_CLAIMS["C2.6b"](sw), f"{sw['drop_90_to_93']:.1f} pt"),
        Claim("C2.6c", "Beyond 95 % sparsity combined-stress accuracy sits near chance (at most 31 %).",
              SWEEP_CLAIMS["C2.6c"](sw), f"highest beyond 95 %: {sw['max_beyond_95']:.1f}"),
    ])


CHAPTER = Chapter(
    number=2, slug='ch02_pruning_cliff', title='The pruning cliff under internal noise',
    volume_title=('The Synaptic Pruning Cliff: Threshold-Like Network Fragility Under Internal Stress and Efficient '
                  'Recovery in a Computational Model of Depression'),
    volume_lines=(1118, 1622),
    summary=('Noise injected into the hidden layers joins input noise as a stressor. Sweeping the pruning level '
             'shows that robustness does not fade gradually but collapses past a threshold sparsity. Regrowth '
             'guided by accumulated gradients is compared with random regrowth as the repair step.'),
    doi='10.5281/zenodo.18214082',
    default_seeds=(42,), fresh_seeds=FRESH_SEEDS, profiles=tuple(PROFILES),
    protocol=single_seed_protocol, compute=compute, reproduced=reproduced, claims=claims,
)
