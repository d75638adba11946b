"""Chapter 5: the three mechanisms with excitability gain, ten seeds, and manic-switch probes."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, Chapter
from fragility_core.profiles import PROFILES
from functools import partial

from fragility_core.science.acute import (ACUTE_CONDITIONS, TEN_SEEDS, TREATED, acute_protocol, acute_table,
                                         arm_configs, arm_networks)
from fragility_core.compare.claims import Claim, claims_table, verdicts_under
from fragility_core.science.protocol import Protocol, draws_own_data
from fragility_core.science.readings import READINGS, acute_alternative_arms, activation_variants
from fragility_core.science.stages import Stages
from fragility_core.science.relapse import battery_with_relapse
from fragility_core.science.stress import BIASED, COMBINED, EXTREME, internal, modulation_metrics
from fragility_core.compare.tables import grid_rows, key_row, pick, series_stat, stat, summarise

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

ROWS = {"untreated": "Untreated (pruned)", "ketamine": "Ketamine-like", "ssri": "SSRI-like",
        "neurosteroid": "Neurosteroid-like"}
NOISE_COLUMNS = {"standard": "No Noise (%)", internal(0.5).name: "Moderate (σ=0.5) (%)",
                 internal(1.0).name: "High (σ=1.0) (%)", internal(1.5).name: "Severe (σ=1.5) (%)",
                 internal(2.5).name: "Extreme (σ=2.5) (%)"}
RISK_COLUMNS = {"gain": "Gain Multiplier", BIASED.name: "Biased Stress Accuracy (%)",
                "activation": "Activation Magnitude"}
SUMMARY_COLUMNS = {COMBINED.name: "Combined Stress (%)", EXTREME.name: "Extreme Stress (%)",
                   BIASED.name: "Biased Stress (%)", "gain": "Gain Multiplier", "activation": "Activation Magnitude",
                   "sparsity (weights only)": "Sparsity (%)", "relapse drop": "Relapse Drop (%)"}
# outcomes whose arm ranking the volume says held in every seed (higher is better except where noted)
RANKED = {COMBINED.name: "higher", EXTREME.name: "higher", BIASED.name: "higher", "activation": "higher",
          "relapse drop": "lower"}


def protocol(profile: str, seeds) -> Protocol:
    """Chapter 5's acute protocol (with gain); the volume's seeds 0–9 and their subsets share the volume's data,
    any other seed list draws each seed's own (:func:`~fragility_core.science.protocol.draws_own_data`)."""
    return acute_protocol(profile, seeds, gain=True, per_seed_data=draws_own_data(seeds, TEN_SEEDS))


def activation_table(st: Stages) -> pd.DataFrame:
    """Per arm × seed: the activation magnitude under A20's chosen reading and its alternatives (the
    investigation of the untreated arm's activation)."""
    rows = []
    for arm, make in arm_networks(st).items():
        net = make()
        for variant, values in activation_variants(net, st.task).items():
            rows += [dict(arm=arm, member=m, seed=s, variant=variant, value=float(values[m]))
                     for m, s in enumerate(net.seeds)]
    return pd.DataFrame(rows)


def readings_table(st: Stages) -> pd.DataFrame:
    """The arms that A10's and A11's alternative readings change, under them, measured as the acute table measures
    every arm (the sensitivity table)."""
    parts = []
    for reading in READINGS:
        for arm, make in acute_alternative_arms(st, reading).items():
            net = make()
            parts.append(battery_with_relapse(net, st.task, st.protocol.relapse_fraction, ACUTE_CONDITIONS,
                                              reading=reading, arm=arm))
            parts.append(modulation_metrics(net, st.task, reading=reading, arm=arm))
    return pd.concat(parts, ignore_index=True)


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """The acute comparison; on the published seeds also the activation magnitude under A20's readings and the
    arms under A10's and A11's."""
    st = Stages(store, protocol, progress=progress)
    tables = {"acute": acute_table(store, st)}
    if protocol.seeds == TEN_SEEDS:
        tables["activation"] = store.table("ch05-activation-readings", {"parent": arm_configs(st), "reading": "A20"},
                                           partial(activation_table, st))
        tables["readings"] = store.table("ch05-readings", {"parent": arm_configs(st), "readings": READINGS,
                                                           "ssri under A10": "trained again"},
                                         partial(readings_table, st))
    return tables


CHOSEN = "as chosen (A10: noise before gain and damping; A11: drug off restores ReLU)"


def under_readings(results: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """The chapter's tables under each reading: the chosen ones, then each alternative replacing the arms it
    changes (every row of those arms)."""
    out = {CHOSEN: results}
    acute = results["acute"]
    for reading, alt in results["readings"].groupby("reading", sort=False):
        replaced = pd.concat([acute[~acute["arm"].isin(alt["arm"].unique())], alt[acute.columns]],
                             ignore_index=True)
        out[f"{reading}: {READINGS[reading]}"] = {**results, "acute": replaced}
    return out


def claims_under_readings(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every claim's verdict under each reading (one column per reading) and whether any reading changes it."""
    return verdicts_under(claims, under_readings(results))


CHOSEN_ACTIVATION = "mean |h|, standard set (chosen)"


def under_activation_readings(results: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """The chapter's tables with the activation magnitude under each of A20's readings (the chosen one first)."""
    acute, act = results["acute"], results["activation"]
    others = acute[acute["metric"] != "activation"]
    variants = [CHOSEN_ACTIVATION] + [v for v in act["variant"].unique() if v != CHOSEN_ACTIVATION]
    out = {}
    for variant in variants:
        rows = act[act["variant"] == variant].drop(columns="variant").assign(metric="activation", unit="a.u.")
        out[variant] = {**results, "acute": pd.concat([others, rows[acute.columns]], ignore_index=True)}
    return out


def per_seed_difference(acute: pd.DataFrame, a: tuple[str, str], b: tuple[str, str]) -> pd.Series:
    """Per seed: metric a[1] of arm a[0] minus metric b[1] of arm b[0]."""
    get = lambda arm, metric: acute[(acute.arm == arm) & (acute.metric == metric)].set_index("seed")["value"]  # noqa
    return get(*a) - get(*b)


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute = results["acute"]
    s = summarise(acute, ["arm", "metric"])
    st = lambda arm, metric: stat(s, arm=arm, metric=metric)  # noqa: E731
    rows = grid_rows(s, "Table 1", ROWS, NOISE_COLUMNS)
    rows += grid_rows(s, "Table 2", ROWS, RISK_COLUMNS)
    rows += grid_rows(s, "Table 3", ROWS, SUMMARY_COLUMNS, skip={("untreated", "relapse drop")})
    off_loss = per_seed_difference(acute, ("neurosteroid", COMBINED.name), ("neurosteroid-off", COMBINED.name))
    n = st("dense", "non-zero parameters")["n_seeds"]
    mean_kn = (st("ketamine", COMBINED.name)["value"] + st("neurosteroid", COMBINED.name)["value"]) / 2
    treated_floor = min(min(st(a, "clean")["value"], st(a, "standard")["value"]) for a in TREATED)
    rows += [
        key_row("", "Neurosteroid-like", "Combined-stress loss when damping removed (pt)", series_stat(off_loss)),
        key_row("", "Neurosteroid-like", "Effective gain",
                st("neurosteroid", "gain")["value"] * st("neurosteroid", "damping")["value"], n),
        key_row("", "Dense network", "Adjustable parameters (approx.)", st("dense", "non-zero parameters")),
        *[key_row("", ROWS[a], "Combined Stress (%)", st(a, COMBINED.name))
          for a in ("untreated", "neurosteroid", "ketamine", "ssri")],
        key_row("", "All treated arms", "Clean / standard accuracy (%)", treated_floor, n),
        key_row("", "Untreated (pruned)", "Clean (%)", st("untreated", "clean")),
        *[key_row("", ROWS[a], "Relapse Drop (%)", st(a, "relapse drop")) for a in TREATED],
        key_row("", "Neurosteroid-like (damping removed)", "Combined Stress (%)", st("neurosteroid-off", COMBINED.name)),
        key_row("", "SSRI-like", "Biased Stress Accuracy (%)", st("ssri", BIASED.name)),
        key_row("", "Ketamine-like", "Biased Stress Accuracy (%)", st("ketamine", BIASED.name)),
        key_row("", "Ketamine-like & Neurosteroid-like", "Combined Stress (%)", mean_kn, n),
        key_row("", "SSRI-like vs Ketamine-like/Neurosteroid-like", "Combined-stress shortfall (pt)",
                mean_kn - st("ssri", COMBINED.name)["value"], n),
    ]
    df = pd.DataFrame(rows)
    ranges = df["row"].isin(["SSRI-like", "Ketamine-like"]) & (df["column"] == "Biased Stress Accuracy (%)") & (
        df["table"] == "")
    for i in df.index[ranges]:  # the prose gives these as ranges across seeds: compare ours as a range
        arm = {"SSRI-like": "ssri", "Ketamine-like": "ketamine"}[df.at[i, "row"]]
        df.loc[i, ["min", "max"]] = [st(arm, BIASED.name)["min"], st(arm, BIASED.name)["max"]]
    return df


def rank_consistency(acute: pd.DataFrame, arms=("untreated", *TREATED)) -> pd.DataFrame:
    """Per outcome: the ranking of the arm means, and in how many seeds the per-seed ranking is the same."""
    out = []
    for metric, better in RANKED.items():
        d = acute[(acute.metric == metric) & acute.arm.isin(arms)]
        if metric == "relapse drop":
            d = d[d.arm != "untreated"]
        wide = d.pivot(index="seed", columns="arm", values="value")
        asc = better == "lower"
        mean_order = list(wide.mean().sort_values(ascending=asc).index)
        same = sum(list(row.sort_values(ascending=asc).index) == mean_order for _, row in wide.iterrows())
        out.append({"outcome": metric, "ranking of means (best first)": " > ".join(mean_order),
                    "seeds with the same ranking": f"{same}/{len(wide)}"})
    return pd.DataFrame(out)


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute = results["acute"]
    s = summarise(acute, ["arm", "metric"])
    v = lambda arm, metric: pick(s, arm=arm, metric=metric)  # noqa: E731
    f = lambda metric, arms: ", ".join(f"{a} {v(a, metric):.3g}" for a in arms)  # noqa: E731
    ranks = rank_consistency(acute)
    all_same = all(r.split("/")[0] == r.split("/")[1] for r in ranks["seeds with the same ranking"])
    biased_sd = {a: s[(s.arm == a) & (s.metric == BIASED.name)]["sd"].iloc[0] for a in TREATED}
    floor = {a: min(v(a, "clean"), v(a, "standard")) for a in TREATED}
    return claims_table([
        Claim("C5.0", "Every treated arm is at, or fractionally below, 100 % on clean and standard inputs (≥ 99.5).",
              min(floor.values()) >= 99.5, "lower of clean/standard: " + ", ".join(
                  f"{a} {x:.1f}" for a, x in floor.items())),
        Claim("C5.1", "Combined stress: neurosteroid-like ≈ ketamine-like (within 1 pt) > SSRI-like ≫ untreated.",
              abs(v("neurosteroid", COMBINED.name) - v("ketamine", COMBINED.name)) <= 1.0
              and min(v("neurosteroid", COMBINED.name), v("ketamine", COMBINED.name)) > v("ssri", COMBINED.name)
              > v("untreated", COMBINED.name) + 20, f(COMBINED.name, ("neurosteroid", "ketamine", "ssri", "untreated"))),
        Claim("C5.2", "Extreme stress: ketamine-like > SSRI-like > neurosteroid-like > untreated.",
              v("ketamine", EXTREME.name) > v("ssri", EXTREME.name) > v("neurosteroid", EXTREME.name)
              > v("untreated", EXTREME.name), f(EXTREME.name, ("ketamine", "ssri", "neurosteroid", "untreated"))),
        Claim("C5.3a", "Biased-noise accuracy: ketamine-like > neurosteroid-like > SSRI-like > untreated.",
              v("ketamine", BIASED.name) > v("neurosteroid", BIASED.name) > v("ssri", BIASED.name)
              > v("untreated", BIASED.name), f(BIASED.name, ("ketamine", "neurosteroid", "ssri", "untreated"))),
        Claim("C5.3b", "Activation: ketamine-like > SSRI-like > neurosteroid-like > untreated.",
              v("ketamine", "activation") > v("ssri", "activation") > v("neurosteroid", "activation")
              > v("untreated", "activation"), f("activation", ("ketamine", "ssri", "neurosteroid", "untreated"))),
        Claim("C5.4", "Relapse drop: ketamine-like < neurosteroid-like < SSRI-like.",
              v("ketamine", "relapse drop") < v("neurosteroid", "relapse drop") < v("ssri", "relapse drop"),
              f("relapse drop", TREATED)),
        Claim("C5.5", "Removing the neurosteroid-like drug costs combined-stress accuracy (more than 10 pt).",
              v("neurosteroid", COMBINED.name) - v("neurosteroid-off", COMBINED.name) > 10,
              f(COMBINED.name, ("neurosteroid", "neurosteroid-off"))),
        Claim("C5.6", "Biased-noise accuracy varies most across seeds for the SSRI-like and ketamine-like arms.",
              min(biased_sd["ssri"], biased_sd["ketamine"]) > biased_sd["neurosteroid"],
              "SD: " + ", ".join(f"{a} {x:.1f}" for a, x in biased_sd.items())),
        Claim("C5.7", "The rank order of the arms is the same in every seed, for every outcome.", all_same,
              "; ".join(f"{r['outcome']}: {r['seeds with the same ranking']}" for _, r in ranks.iterrows())),
    ])


CHAPTER = Chapter(
    number=5, slug='ch05_manic_switch', title='Excitability gain and the manic-switch proxies',
    volume_title=('Modeling Antidepressant-Induced Manic Switch in a Unified Computational Framework: Insights from '
                  'Ketamine, SSRIs, and Neurosteroids'),
    volume_lines=(2905, 3452),
    summary=('The three treatments of the previous chapter gain an excitability multiplier and are repeated over '
             'ten seeds. Two proxies for the risk of a switch into mania are added: accuracy when the internal '
             'noise is biased upwards, and the mean size of the hidden activations.'),
    default_seeds=TEN_SEEDS, fresh_seeds=FRESH_SEEDS, panel_claims=frozenset({"C5.6", "C5.7"}),
    profiles=tuple(PROFILES),
    protocol=protocol, compute=compute, reproduced=reproduced, claims=claims,
)
