"""Chapter 4: ketamine-like, SSRI-like and neurosteroid-like treatment from one pruned state."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, PUBLISHED_SEED, Chapter, single_seed_protocol
from fragility_core.profiles import PROFILES
from fragility_core.compare.claims import Claim, claims_table, verdicts_under
from fragility_core.science.protocol import Protocol
from fragility_core.science.relapse import battery_with_relapse
from fragility_core.science.stages import Stages
from fragility_core.science.stress import BATTERY, COMBINED, EXTREME, evaluate, internal
from fragility_core.compare.tables import pick, summarise
from fragility_core.science.acute import arm_networks
from fragility_core.science.readings import A8_READING, READINGS, alternative_arms, ketamine_by_net_gradient

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

ARMS = {"untreated": "Untreated (pruned)", "ketamine": "Ketamine-like", "ssri": "SSRI-like",
        "neurosteroid": "Neurosteroid-like (on)", "neurosteroid-off": "Neurosteroid-like (off)"}
TABLE1 = {"sparsity (weights only)": "Sparsity (%)", "clean": "Clean (%)", "standard": "Standard (%)",
          COMBINED.name: "Combined Stress (%)", EXTREME.name: "Extreme Stress (σ=2.5) (%)",
          "relapse drop": "Relapse Drop (%)"}
TABLE2 = {0.0: "No Noise", 0.5: "Moderate (σ=0.5)", 1.0: "High (σ=1.0)", 1.5: "Severe (σ=1.5)",
          2.5: "Extreme (σ=2.5)"}
CURVE_SIGMAS = tuple(round(0.1 * i, 1) for i in range(26))  # the noise-resilience figure, σ 0–2.5


def arms_table(st: Stages) -> pd.DataFrame:
    return pd.concat([battery_with_relapse(make(), st.task, st.protocol.relapse_fraction, arm=arm)
                      for arm, make in arm_networks(st).items()], ignore_index=True)


def noise_curve_table(st: Stages) -> pd.DataFrame:
    rows = []
    for arm, make in arm_networks(st).items():
        net = make()
        for sigma in CURVE_SIGMAS:
            acc = evaluate(net, st.task, internal(sigma))
            rows += [dict(arm=arm, member=m, seed=s, sigma=sigma, value=float(acc[m]))
                     for m, s in enumerate(net.seeds)]
    return pd.DataFrame(rows)


def readings_table(st: Stages) -> pd.DataFrame:
    """The arms that A10's and A11's alternative readings change, evaluated under them (the investigation)."""
    return pd.concat([battery_with_relapse(make(), st.task, st.protocol.relapse_fraction, reading=reading, arm=arm)
                      for reading in READINGS for arm, make in alternative_arms(st, reading).items()],
                     ignore_index=True)


def a8_reading_table(st: Stages) -> pd.DataFrame:
    """The ketamine-like arm regrown under A8's alternative score, with the battery and the relapse test."""
    net = ketamine_by_net_gradient(st.pruned().clone(), st.protocol.ketamine, st.task.train, progress=st.progress)
    return battery_with_relapse(net, st.task, st.protocol.relapse_fraction, reading="A8", arm="ketamine")


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """The chapter's tables; on the published seed also the investigation's alternative readings."""
    st = Stages(store, protocol, progress=progress)
    p = protocol
    cfg = {"dense": st.baseline_config(), "untreated": st.pruned_config(),
           **{a: st.treated_config(t) for a, t in (("ketamine", p.ketamine), ("ssri", p.ssri),
                                                    ("neurosteroid", p.neurosteroid))},
           "relapse": p.relapse_fraction, "drug_off": "gain 1, damping 1, ReLU restored", "conditions": BATTERY}
    tables = {
        "arms": store.table("ch04-arms", cfg, partial(arms_table, st)),
        "noise_curve": store.table("ch04-noise-curve", {**cfg, "sigmas": CURVE_SIGMAS}, partial(noise_curve_table, st)),
    }
    if protocol.seeds == PUBLISHED_SEED:
        tables["readings"] = store.table("ch04-readings", {**cfg, "readings": READINGS}, partial(readings_table, st))
        tables["a8_reading"] = store.table("ch04-a8-reading", {**cfg, "reading": A8_READING},
                                           partial(a8_reading_table, st))
    return tables


CHOSEN = "as chosen (A8: Σ |gradient|; A10: noise before damping; A11: drug off restores ReLU)"


def under_readings(results: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """The chapter's tables under each reading: the chosen ones, then each alternative replacing the arms it
    changes."""
    out = {CHOSEN: results}
    arms = results["arms"]
    alternatives = pd.concat([results["readings"], results.get("a8_reading")], ignore_index=True)
    for reading, alt in alternatives.groupby("reading", sort=False):
        replaced = pd.concat([arms[~arms["arm"].isin(alt["arm"].unique())], alt.drop(columns="reading")],
                             ignore_index=True)
        out[f"{reading}: {({**READINGS, **A8_READING})[reading]}"] = {**results, "arms": replaced}
    return out


def claims_under_readings(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every claim's verdict under each reading (one column per reading) and whether any reading changes it."""
    return verdicts_under(claims, under_readings(results))


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["arms"], ["arm", "metric"])
    n = int(s["n_seeds"].iloc[0])
    v = lambda arm, metric: pick(s, arm=arm, metric=metric)  # noqa: E731
    rows = []
    for arm, row in ARMS.items():
        metrics = TABLE1
        if arm == "untreated":
            metrics = {k: c for k, c in TABLE1.items() if k != "relapse drop"}   # printed as "—"
        if arm == "neurosteroid-off":
            metrics = {k: TABLE1[k] for k in ("sparsity (weights only)", COMBINED.name, EXTREME.name)}
        rows += [("Table 1", row, col, v(arm, m)) for m, col in metrics.items()]
    for arm in ("untreated", "ketamine", "ssri", "neurosteroid"):
        rows += [("Table 2", ARMS[arm], col, v(arm, "standard" if sigma == 0 else internal(sigma).name))
                 for sigma, col in TABLE2.items()]
    rows += [("", "Ketamine-like", "Sparsity (%)", v("ketamine", "sparsity (weights only)")),
             ("", "Dense network", "Trainable weights (approx.)", v("dense", "non-zero parameters")),
             ("", "Ketamine-like", "Relapse: combined-stress accuracy dipped by (pt)", v("ketamine", "relapse drop"))]
    df = pd.DataFrame(rows, columns=["table", "row", "column", "value"])
    df["n_seeds"] = n
    return df


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    s = summarise(results["arms"], ["arm", "metric"])
    v = lambda arm, metric: pick(s, arm=arm, metric=metric)  # noqa: E731
    treated = ("ketamine", "ssri", "neurosteroid")
    ex = {a: v(a, EXTREME.name) for a in ("untreated", *treated)}
    drop = {a: v(a, "relapse drop") for a in treated}
    comb = {a: v(a, COMBINED.name) for a in ("untreated", *treated)}
    i1 = {a: v(a, internal(1.0).name) for a in treated}
    off = {m: (v("neurosteroid", m), v("neurosteroid-off", m)) for m in (COMBINED.name, EXTREME.name)}
    fmt = lambda d: ", ".join(f"{k} {x:.1f}" for k, x in d.items())  # noqa: E731
    return claims_table([
        Claim("C4.1", "Every treated arm is at ceiling on the clean set.",
              all(v(a, "clean") >= 99.5 for a in treated), fmt({a: v(a, "clean") for a in treated})),
        Claim("C4.2", "Under extreme internal noise (σ 2.5) the ketamine-like arm is far ahead of the SSRI-like and "
              "neurosteroid-like arms, which stay well above untreated.",
              ex["ketamine"] > max(ex["ssri"], ex["neurosteroid"]) and min(ex["ssri"], ex["neurosteroid"]) > ex[
                  "untreated"], fmt(ex)),
        Claim("C4.3", "Relapse drop orders ketamine-like < neurosteroid-like < SSRI-like.",
              drop["ketamine"] < drop["neurosteroid"] < drop["ssri"], fmt(drop)),
        Claim("C4.4", "Combined stress: neurosteroid-like ≳ ketamine-like > SSRI-like > untreated.",
              comb["neurosteroid"] >= comb["ketamine"] - 1.0 and comb["ketamine"] > comb["ssri"] > comb["untreated"],
              fmt(comb)),
        Claim("C4.5", "Removing the neurosteroid-like drug lowers combined-stress accuracy but raises extreme-noise "
              "accuracy.", off[COMBINED.name][1] < off[COMBINED.name][0] and off[EXTREME.name][1] > off[
                  EXTREME.name][0],
              f"combined on {off[COMBINED.name][0]:.1f} / off {off[COMBINED.name][1]:.1f}; "
              f"extreme on {off[EXTREME.name][0]:.1f} / off {off[EXTREME.name][1]:.1f}"),
        Claim("C4.6", "Only the ketamine-like arm changes sparsity (about half the weights restored).",
              v("ssri", "sparsity (weights only)") == v("untreated", "sparsity (weights only)") == v(
                  "neurosteroid", "sparsity (weights only)") and v("ketamine", "sparsity (weights only)") < 50,
              fmt({a: v(a, "sparsity (weights only)") for a in ("untreated", *treated)})),
        Claim("C4.7", "At internal σ 1.0: ketamine-like > neurosteroid-like > SSRI-like.",
              i1["ketamine"] > i1["neurosteroid"] > i1["ssri"], fmt(i1)),
    ])


CHAPTER = Chapter(
    number=4, slug='ch04_mechanisms', title='Three treatment mechanisms from one pruned network',
    volume_title=('Divergent Mechanisms of Antidepressant Efficacy: A Unified Computational Comparison of '
                  'Synaptogenesis, Stabilization, and Tonic Inhibition in a Model of Depression'),
    volume_lines=(2303, 2904),
    summary=('Identical copies of one pruned network receive three stylised treatments: structural regrowth '
             '(ketamine-like), slow low-rate retraining under a fading noise schedule (SSRI-like) and tonic '
             'inhibition with a saturating activation (neurosteroid-like). The arms are compared on efficacy, on '
             'resilience across internal-noise levels, and on how much they lose when a further share of weights '
             'is pruned away.'),
    doi='10.5281/zenodo.18290014',
    default_seeds=(42,), fresh_seeds=FRESH_SEEDS, profiles=tuple(PROFILES),
    protocol=single_seed_protocol, compute=compute, reproduced=reproduced, claims=claims,
)
