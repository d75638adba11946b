"""Chapter 7: chapter 5's acute comparison, then maintenance under a mood stabiliser, withdrawal and decay."""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import partial

from dataclasses import asdict

import pandas as pd

from fragility_core.chapters.base import Chapter
from fragility_core.profiles import PROFILES
from fragility_core.science.acute import TEN_SEEDS, TREATED, acute_protocol, acute_table, arm_configs, arm_networks
from fragility_core.compare.claims import Claim, claims_table, verdicts_under
from fragility_core.science.mood_stabiliser import DECAY_RATES, Discontinuation, decayed_protection, withdraw
from fragility_core.science.readings import WITHDRAWAL_READINGS, drug_off_keeping_tanh, withdraw_under
from fragility_core.science.treatments import drug_off
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.science.protocol import Protocol, draws_own_data
from fragility_core.science.stages import Stages
from fragility_core.science.stress import BIASED, COMBINED, EXTREME, evaluate, internal
from fragility_core.compare.tables import grid_rows, key_row, pick, stat, summarise
from fragility_core.science.training import TrainSpec, train
from fragility_core.chapters.ch05 import RISK_COLUMNS, ROWS

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

EFFICACY_COLUMNS = {"sparsity (weights only)": "Sparsity (%)", "clean": "Clean (%)", "standard": "Standard (%)",
                    COMBINED.name: "Combined (%)"}
NOISE_COLUMNS = {"standard": "None (%)", internal(0.5).name: "Moderate (σ=0.5) (%)",
                 internal(1.0).name: "High (σ=1.0) (%)", internal(1.5).name: "Severe (σ=1.5) (%)",
                 internal(2.5).name: "Extreme (σ=2.5) (%)"}
SUMMARY_ROWS = {"ketamine": "Ketamine-like", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like",
                "untreated": "Untreated"}
SUMMARY_COLUMNS = {COMBINED.name: "Combined Stress (%)", BIASED.name: "Biased Stress (%)",
                   "gain": "Gain Multiplier", "activation": "Activation Magnitude",
                   "relapse drop": "Acute Relapse Drop (%)"}
GUIDANCE = "Durability & Post-Discontinuation Stability"  # Table 5's column groups, as printed
COURSE = Discontinuation()


def protocol(profile: str, seeds) -> Protocol:
    """Chapter 5's acute protocol (with gain); the volume's seeds 0–9 and their subsets share the volume's data,
    any other seed list draws each seed's own (:func:`~fragility_core.science.protocol.draws_own_data`)."""
    return acute_protocol(profile, seeds, gain=True, per_seed_data=draws_own_data(seeds, TEN_SEEDS))


def segments(st: Stages) -> list[tuple[int, int, int, dict]]:
    """The cuts of one cumulative maintenance run: (published length, start epoch, end epoch, config)."""
    out, start, cfg = [], 0, {"parent": arm_configs(st), "protection": 1.0}
    for published_d in COURSE.durations:
        end = st.protocol.epochs(published_d)
        cfg = {"parent": cfg, "start": start, "end": end, "lr": COURSE.lr}
        out.append((published_d, start, end, cfg))
        start = end
    return out


def maintenance_state(store: ResultStore, st: Stages, i: int) -> dict:
    """Network and Adam state after cut ``i`` of the maintenance run, chained on cut ``i - 1``."""
    _, start, end, cfg = segments(st)[i]

    def compute():
        if i == 0:
            arms = arm_networks(st)
            net = EnsembleMLP.concat([arms[a]() for a in TREATED])
            net.protection.fill_(1.0)
            carry: dict = {}
        else:
            prev = maintenance_state(store, st, i - 1)
            net, carry = EnsembleMLP.from_state(prev["net"], device=store.device), {"adam": prev["adam"]}
        spec, data = TrainSpec(epochs=end - start, lr=COURSE.lr), st.task.tile_members(len(TREATED)).train
        train(net, data.x, data.y, spec, purpose=f"maintenance-{start}-{end}",
              progress=st.progress, desc=f"maintenance {start}→{end} epochs", carry=carry)
        return {"net": net.to_state(), "adam": carry["adam"]}
    return store.state(f"ch07-maintenance-{end}", cfg, compute)


def withdrawal_after(store: ResultStore, st: Stages, i: int) -> pd.DataFrame:
    published_d, _, end, _ = segments(st)[i]
    net = EnsembleMLP.from_state(maintenance_state(store, st, i)["net"], device=store.device)
    return withdrawal_table(net, st, published_d, end)


def withdrawal_readings_table(store: ResultStore, st: Stages) -> pd.DataFrame:
    """Per arm × seed, after the first maintenance length: biased accuracy after withdrawal and the 50 decay
    steps at the arm's own rate, under each of :data:`WITHDRAWAL_READINGS` (the investigation)."""
    published_d, _, epochs, _ = segments(st)[0]
    net = EnsembleMLP.from_state(maintenance_state(store, st, 0)["net"], device=store.device)
    n = len(st.protocol.seeds)
    rows = []
    for i, arm in enumerate(TREATED):
        part = net.select(list(range(i * n, (i + 1) * n)))
        for reading in WITHDRAWAL_READINGS:
            off = withdraw_under(part, DECAY_RATES[arm], COURSE.decay_steps, reading)
            acc = evaluate(off, st.task, BIASED)
            rows += [dict(duration=published_d, epochs=epochs, arm=arm, seed=part.seeds[m], reading=reading,
                          protection=float(off.protection[m]), biased=float(acc[m]),
                          relapsed=bool(acc[m] < COURSE.relapse_threshold)) for m in range(n)]
    return pd.DataFrame(rows)


def off_readings_table(st: Stages) -> pd.DataFrame:
    """Per seed: the acute neurosteroid-like network with the drug off (no stabiliser), ReLU restored (chosen)
    or the tanh kept (A11), under combined, extreme and biased noise."""
    on = arm_networks(st)["neurosteroid"]()
    rows = []
    for reading, off in (("as chosen", drug_off(on)), ("A11", drug_off_keeping_tanh(on))):
        for cond in (COMBINED, EXTREME, BIASED):
            acc = evaluate(off, st.task, cond)
            rows += [dict(reading=reading, seed=s, metric=cond.name, value=float(acc[m]))
                     for m, s in enumerate(off.seeds)]
    return pd.DataFrame(rows)


def compute(store: ResultStore, protocol: Protocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """The acute table is chapter 5's (same protocol, same stage); the course is this chapter's. On the
    published seeds, also withdrawal and the drug-off network under the alternative readings."""
    st = Stages(store, protocol, progress=progress)
    out = {"acute": acute_table(store, st)}
    parts = []
    for i, (published_d, _, _, cfg) in enumerate(segments(st)):
        parts.append(store.table(f"ch07-withdrawal-{published_d}", {**cfg, "course": asdict(COURSE)},
                                 partial(withdrawal_after, store, st, i)))
    out["withdrawal"] = pd.concat(parts, ignore_index=True)
    if protocol.seeds == TEN_SEEDS:
        cfg = segments(st)[0][3]
        out["withdrawal_readings"] = store.table(
            "ch07-withdrawal-readings", {**cfg, "course": asdict(COURSE), "readings": WITHDRAWAL_READINGS},
            partial(withdrawal_readings_table, store, st))
        out["off_readings"] = store.table("ch07-off-readings", {"parent": arm_configs(st), "reading": "A11"},
                                          partial(off_readings_table, st))
    return out


def withdrawal_table(net: EnsembleMLP, st: Stages, published_duration: int, epochs: int) -> pd.DataFrame:
    """Per arm × seed: biased accuracy with the drug on (p = 1), then after withdrawal and 50 decay steps,
    at the arm's own decay rate and, as a control the volume lacks, at every arm's rate."""
    n = len(st.protocol.seeds)
    rows = []
    for i, arm in enumerate(TREATED):
        part = net.select(list(range(i * n, (i + 1) * n)))
        on = evaluate(part, st.task, BIASED)
        for schedule, rate in [("own rate", DECAY_RATES[arm])] + [(f"uniform {r:g}", r) for r in
                                                                    sorted(set(DECAY_RATES.values()))]:
            p = decayed_protection(rate, COURSE.decay_steps)
            acc = evaluate(withdraw(part, p), st.task, BIASED)
            rows += [dict(duration=published_duration, epochs=epochs, arm=arm, seed=part.seeds[m], schedule=schedule,
                          rate=rate, protection=p, biased_on=float(on[m]), biased=float(acc[m]),
                          relapsed=bool(acc[m] < COURSE.relapse_threshold)) for m in range(n)]
    return pd.DataFrame(rows)


def relapse_probability(withdrawal: pd.DataFrame, schedule: str = "own rate") -> pd.Series:
    """Per arm: relapsed (seed, duration) pairs / all pairs, in %."""
    w = withdrawal[withdrawal.schedule == schedule]
    return 100.0 * w.groupby("arm", sort=False)["relapsed"].mean()


SENSITIVE = ("C7.5", "C7.6")   # the claims the withdrawal readings can change (the others: acute, or all lengths)


def claims_under_readings(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The verdicts of :data:`SENSITIVE` under each withdrawal reading, on the first maintenance length (the
    chosen reading too, so that the columns compare like with like): A11's readings also replace the acute
    drug-off network's rows by the tanh-kept one's."""
    wr, off = results["withdrawal_readings"], results["off_readings"]
    acute = results["acute"]
    readings = {}
    for reading, g in wr.groupby("reading", sort=False):
        a = acute
        if "A11" in reading:
            alt = off[off["reading"] == "A11"].drop(columns="reading").assign(arm="neurosteroid-off")
            hit = (acute["arm"] == "neurosteroid-off") & acute["metric"].isin(alt["metric"].unique())
            a = pd.concat([acute[~hit], alt], ignore_index=True)
        w = g.drop(columns="reading").assign(schedule="own rate")
        readings[f"{reading}: {WITHDRAWAL_READINGS[reading]}"] = {**results, "acute": a, "withdrawal": w}
    return verdicts_under(claims, readings, only=SENSITIVE)


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, w = results["acute"], results["withdrawal"]
    s = summarise(acute, ["arm", "metric"])
    st = lambda arm, metric: stat(s, arm=arm, metric=metric)  # noqa: E731
    n = st("untreated", COMBINED.name)["n_seeds"]
    prob = relapse_probability(w)
    rows = grid_rows(s, "Table 1", ROWS, EFFICACY_COLUMNS)
    rows += grid_rows(s, "Table 2", ROWS, NOISE_COLUMNS)
    rows += grid_rows(s, "Table 3", ROWS, RISK_COLUMNS)
    rows += grid_rows(s, "Table 4", SUMMARY_ROWS, SUMMARY_COLUMNS, skip={("untreated", "relapse drop")})
    for arm in TREATED:
        rows += [key_row("Table 4", SUMMARY_ROWS[arm], "Manic Relapse Prob. (%)", float(prob[arm]), n),
                 key_row("Table 4", SUMMARY_ROWS[arm], "MS Decay Rate", DECAY_RATES[arm], n)]
    t5 = {"Acute Efficacy & Speed: combined stress (%)": lambda a: st(a, COMBINED.name),
          f"{GUIDANCE}: extreme stress (%)": lambda a: st(a, EXTREME.name),
          "Manic Conversion Risk (Acute & Longitudinal): biased accuracy (%)": lambda a: st(a, BIASED.name)}
    for arm in TREATED:
        rows += [key_row("Table 5", SUMMARY_ROWS[arm], col, get(arm)) for col, get in t5.items()]
    rows += [key_row("Table 5", "Ketamine-like", f"{GUIDANCE}: manic relapse post-cessation (%)",
                     float(prob["ketamine"]), n),
             *[key_row("Table 5", SUMMARY_ROWS[a], f"{GUIDANCE}: relapse post-cessation (%)", float(prob[a]), n)
               for a in ("ssri", "neurosteroid")],
             key_row("Table 5", "SSRI-like", "Manic Conversion Risk (Acute & Longitudinal): gain", st("ssri", "gain"))]
    mid = [internal(1.0).name, internal(1.5).name]
    kn = [st(a, m)["value"] for a in ("ketamine", "neurosteroid") for m in mid]
    ss = [st("ssri", m)["value"] for m in mid]
    k_after = w[(w.arm == "ketamine") & (w.schedule == "own rate")]["biased"]
    u_levels = [st("untreated", internal(x).name)["value"] for x in (0.5, 1.0, 1.5, 2.5)]
    rows += [
        key_row("", "Dense network", "Trainable weights (approx.)", st("dense", "non-zero parameters")),
        {**key_row("", "Ketamine-like & Neurosteroid-like, σ=1.0-1.5", "Stress resilience range (%)",
                   sum(kn) / len(kn), n), "min": min(kn), "max": max(kn)},
        {**key_row("", "SSRI-like, σ=1.0-1.5", "Stress resilience range (%)", sum(ss) / len(ss), n),
         "min": min(ss), "max": max(ss)},
        key_row("", "Untreated (pruned)", "Accuracy across internal-noise levels (%)", sum(u_levels) / len(u_levels),
                n),
        *[key_row("", ROWS[a], "Acute Relapse Drop (%)", st(a, "relapse drop")) for a in TREATED],
        key_row("", "Neurosteroid-like (damping off)", "Combined (%)", st("neurosteroid-off", COMBINED.name)),
        key_row("", "Neurosteroid-like (damping off)", "Biased Stress Accuracy (%)", st("neurosteroid-off", BIASED.name)),
        key_row("", "Neurosteroid-like (damping off)", "Extreme (σ=2.5) (%)", st("neurosteroid-off", EXTREME.name)),
        key_row("", "Ketamine-like (post-withdrawal)", "Biased-noise accuracy, every seed (%)", float(k_after.min()), n),
    ]
    return pd.DataFrame(rows)


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, w = results["acute"], results["withdrawal"]
    s = summarise(acute, ["arm", "metric"])
    v = lambda arm, metric: pick(s, arm=arm, metric=metric)  # noqa: E731
    f = lambda metric, arms: ", ".join(f"{a} {v(a, metric):.3g}" for a in arms)  # noqa: E731
    prob = relapse_probability(w)
    own = w[w.schedule == "own rate"]
    by_duration = own.groupby(["arm", "duration"])["relapsed"].mean().unstack() * 100
    flat = {a: float(by_duration.loc[a].max() - by_duration.loc[a].min()) for a in ("ssri", "neurosteroid")}
    uniform = {sch: relapse_probability(w, sch) for sch in w.schedule.unique() if sch.startswith("uniform")}
    return claims_table([
        Claim("C7.1", "Combined stress: neurosteroid-like ≥ ketamine-like > SSRI-like > untreated.",
              v("neurosteroid", COMBINED.name) >= v("ketamine", COMBINED.name) - 0.5
              and v("ketamine", COMBINED.name) > v("ssri", COMBINED.name) > v("untreated", COMBINED.name),
              f(COMBINED.name, ("neurosteroid", "ketamine", "ssri", "untreated"))),
        Claim("C7.5", "Drug off: combined and biased accuracy fall, extreme-noise accuracy rises.",
              v("neurosteroid-off", COMBINED.name) < v("neurosteroid", COMBINED.name)
              and v("neurosteroid-off", BIASED.name) < v("neurosteroid", BIASED.name)
              and v("neurosteroid-off", EXTREME.name) > v("neurosteroid", EXTREME.name),
              "; ".join(f"{m}: on {v('neurosteroid', m):.1f} / off {v('neurosteroid-off', m):.1f}"
                        for m in (COMBINED.name, BIASED.name, EXTREME.name))),
        Claim("C7.6", "After withdrawal the ketamine-like arm never relapses; the SSRI-like and neurosteroid-like "
              "arms relapse in most seed × duration pairs.",
              prob["ketamine"] == 0 and min(prob["ssri"], prob["neurosteroid"]) > 50,
              ", ".join(f"{a} {x:.1f} %" for a, x in prob.items())),
        Claim("C7.7", "For the SSRI-like and neurosteroid-like arms relapse is essentially flat across maintenance "
              "lengths (within 20 pt).", max(flat.values()) <= 20,
              "; ".join(f"{a}: " + " / ".join(f"{x:.0f}" for x in by_duration.loc[a]) for a in flat)),
        Claim("C7.x", "(Our control) With one decay rate for all arms, the ketamine-like arm still relapses least.",
              all(p["ketamine"] <= min(p["ssri"], p["neurosteroid"]) for p in uniform.values()),
              "; ".join(f"{k}: " + ", ".join(f"{a} {x:.0f} %" for a, x in p.items()) for k, p in uniform.items())),
    ])


CHAPTER = Chapter(
    number=7, slug='ch07_mood_stabiliser', title='Mood-stabiliser maintenance and withdrawal',
    volume_title=('Modeling Antidepressant-Induced Manic Switch and Longitudinal Relapse: A Unified Pruning Framework '
                  "Highlights Glutamatergics' Disease-Modifying Potential"),
    volume_lines=(4030, 4706),
    summary=('The acute battery of the manic-switch chapter is followed by maintenance under a mood-stabiliser '
             "wrapper for several durations. The drug is then withdrawn, the stabiliser's protection decays at an "
             'arm-specific rate, and a manic relapse is counted when biased-noise accuracy drops below a '
             'threshold.'),
    doi='10.5281/zenodo.18298989',
    default_seeds=TEN_SEEDS, profiles=tuple(PROFILES),
    member_memory_mb=200,   # peak per member, measured at the smoke profile (99 MB), doubled
    protocol=protocol, compute=compute, reproduced=reproduced, claims=claims,
)
