"""Chapter 8: early-adversity scars, the acute arms on the scarred state, discontinuation, six-cycle kindling."""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import asdict, dataclass, replace
from functools import partial

import pandas as pd

from fragility_core.chapters.base import FRESH_SEEDS, Chapter
from fragility_core.chapters.ch07 import relapse_probability, withdrawal_table
from fragility_core.compare.claims import Claim, claims_table
from fragility_core.compare.tables import grid_rows, key_row, series_stat, stat, summarise
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.profiles import PROFILES, get_profile
from fragility_core.science.acute import ACUTE_CONDITIONS, TEN_SEEDS, TREATED, acute_protocol
from fragility_core.science.connectivity import regrow, sparsity
from fragility_core.science.kindling import Kindling, autonomy, episode, maintain
from fragility_core.science.mood_stabiliser import Discontinuation
from fragility_core.science.protocol import Protocol, draws_own_data, scale_epochs
from fragility_core.science.relapse import battery_with_relapse
from fragility_core.science.scars import EarlyAdversity, early_adversity, scar_percent
from fragility_core.science.stages import Stages
from fragility_core.science.stress import BIASED, COMBINED, EXTREME, modulation_metrics
from fragility_core.science.training import TrainSpec, train
from fragility_core.science.treatments import drug_off, treat

if TYPE_CHECKING:   # annotations only: the store is the cache, not part of a stage's code
    from fragility_core.store import ResultStore

ARMS = ("untreated", *TREATED)
ROWS = {"untreated": "Untreated Baseline", "ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like",
        "ketamine": "Ketamine-like"}
KINDLED = {"ssri": "SSRI-like", "neurosteroid": "Neurosteroid-like", "ketamine": "Ketamine-like"}
EFFICACY_COLUMNS = {"clean": "Clean Accuracy (%)", COMBINED.name: "Combined Stress Accuracy (%)",
                    "sparsity (weights only)": "Network Sparsity (%)", "scar load": "Early Scarring (%)"}
RISK_COLUMNS = {BIASED.name: "Biased Accuracy (%)", "gain": "Gain Multiplier",
                "activation": "Avg. Hidden Activation"}


@dataclass(frozen=True)
class BipolarProtocol:
    """Chapter 8 as data: chapter 5's acute arms (on the scarred state), early adversity, the course, kindling."""

    acute: Protocol
    adversity: EarlyAdversity = EarlyAdversity()
    course: Discontinuation = Discontinuation()
    kindling: Kindling = Kindling()


def protocol(profile: str, seeds) -> BipolarProtocol:
    """The published protocol, scaled by ``profile``: training lengths as everywhere, and the trigger's evaluation
    batches with the data (a preview's standard set is smaller; the paper profile keeps 250). The volume's seeds
    0–9 and their subsets share the volume's data, any other list draws each seed's own
    (:func:`draws_own_data`), as in chapters 5–7."""
    acute, prof = acute_protocol(profile, seeds, gain=True), get_profile(profile)
    acute = replace(acute, per_seed_data=draws_own_data(seeds, TEN_SEEDS))
    kindling = scale_epochs(Kindling(), prof)
    kindling = replace(kindling, trigger_batches=prof.samples(kindling.trigger_batches * kindling.batch_size)
                       // kindling.batch_size)
    return BipolarProtocol(acute=acute, kindling=kindling)


# --- the scarred substrate and the arms on it ------------------------------------------------------------
def scarred_config(st: Stages, p: BipolarProtocol) -> dict:
    return {"parent": st.pruned_config(), "early_adversity": asdict(p.adversity)}


def scarred(st: Stages, p: BipolarProtocol) -> EnsembleMLP:
    """The 95 %-pruned network with early-adversity scars (every arm starts from a copy of it)."""
    def compute():
        net = st.pruned()
        early_adversity(net, p.adversity)
        return net
    return st.store.model("ch08-scarred", scarred_config(st, p), compute, EnsembleMLP)


def treated_config(st: Stages, p: BipolarProtocol, treatment) -> dict:
    return {"parent": scarred_config(st, p), "treatment": type(treatment).__name__, **asdict(treatment)}


def treated(st: Stages, p: BipolarProtocol, treatment) -> EnsembleMLP:
    return st.store.model(f"ch08-treated-{treatment.name}", treated_config(st, p, treatment),
                          lambda: treat(scarred(st, p), treatment, st.task.train, progress=st.progress), EnsembleMLP)


def arm_networks(st: Stages, p: BipolarProtocol) -> dict:
    a = p.acute
    return {"untreated": lambda: scarred(st, p), "ketamine": lambda: treated(st, p, a.ketamine),
            "ssri": lambda: treated(st, p, a.ssri), "neurosteroid": lambda: treated(st, p, a.neurosteroid),
            "neurosteroid-off": lambda: drug_off(treated(st, p, a.neurosteroid))}


def arms_config(st: Stages, p: BipolarProtocol) -> dict:
    a = p.acute
    return {"untreated": scarred_config(st, p), "ketamine": treated_config(st, p, a.ketamine),
            "ssri": treated_config(st, p, a.ssri), "neurosteroid": treated_config(st, p, a.neurosteroid),
            "relapse": a.relapse_fraction, "drug_off": "gain 1, damping 1, ReLU restored",
            "conditions": ACUTE_CONDITIONS}


def treated_ensemble(st: Stages, p: BipolarProtocol) -> EnsembleMLP:
    """The three treated arms of every seed as one ensemble, in the order of ``TREATED``: it trains and is
    measured on ``st.task.tile_members(len(TREATED))`` (each arm's members on their seeds' data when every seed
    draws its own; the ketamine-like regrowth of kindling scores its members, the last block, on the first
    block of that task, which holds the same seeds' data in the same order)."""
    nets = arm_networks(st, p)
    return EnsembleMLP.concat([nets[arm]() for arm in TREATED])


# --- acute ------------------------------------------------------------------------------------------------
def acute_battery(st: Stages, p: BipolarProtocol) -> pd.DataFrame:
    """Per arm × seed: the battery, relapse test, activation and gain, and the scar load."""
    parts = []
    for arm, make in arm_networks(st, p).items():
        net = make()
        parts.append(battery_with_relapse(net, st.task, p.acute.relapse_fraction, ACUTE_CONDITIONS, arm=arm))
        parts.append(modulation_metrics(net, st.task, arm=arm))
        parts.append(pd.DataFrame({"arm": arm, "member": range(net.n_members), "seed": net.seeds,
                                   "metric": "scar load", "value": scar_percent(net).numpy(), "unit": "%"}))
    return pd.concat(parts, ignore_index=True)


def adversity_readings(st: Stages, p: BipolarProtocol) -> pd.DataFrame:
    """Both readings of where early scars fall (A28): scar load and the sparsity of the untreated and the
    ketamine-like arm. The ketamine-like count is fixed by the regrowth rule (⌊0.5 · regrowable⌋ per layer),
    so sites are drawn at random here: which sites grow back does not change how many do."""
    rows = []
    for over in ("all", "survivors"):
        net = st.pruned()
        early_adversity(net, EarlyAdversity(p.adversity.max_fraction, over))
        metrics = {"scar load": scar_percent(net), "sparsity untreated": 100 * sparsity(net)}
        regrow(net, p.acute.ketamine.fraction, by="random", purpose="adversity-reading-count")
        metrics["sparsity ketamine-like"] = 100 * sparsity(net)
        rows += [dict(reading=over, seed=s, metric=m, value=float(v[i]))
                 for m, v in metrics.items() for i, s in enumerate(net.seeds)]
    return pd.DataFrame(rows)


# --- maintenance and withdrawal ---------------------------------------------------------------------------
def segments(st: Stages, p: BipolarProtocol) -> list[tuple[int, int, int, dict]]:
    """The cuts of one cumulative maintenance run: (published length, start epoch, end epoch, config)."""
    out, start, cfg = [], 0, {"parent": arms_config(st, p), "protection": 1.0}
    for published_d in p.course.durations:
        end = st.protocol.epochs(published_d)
        cfg = {"parent": cfg, "start": start, "end": end, "lr": p.course.lr}
        out.append((published_d, start, end, cfg))
        start = end
    return out


def maintenance_state(st: Stages, p: BipolarProtocol, i: int) -> dict:
    """Network and Adam state after cut ``i`` of the maintenance run (drug on, stabiliser at p = 1)."""
    _, start, end, cfg = segments(st, p)[i]

    def compute():
        if i == 0:
            net, carry = treated_ensemble(st, p), {}
            net.protection.fill_(1.0)
        else:
            prev = maintenance_state(st, p, i - 1)
            net, carry = EnsembleMLP.from_state(prev["net"], device=st.store.device), {"adam": prev["adam"]}
        data = st.task.tile_members(len(TREATED)).train
        train(net, data.x, data.y, TrainSpec(epochs=end - start, lr=p.course.lr),
              purpose=f"maintenance-{start}-{end}", progress=st.progress, desc=f"maintenance {start}→{end} epochs",
              carry=carry)
        return {"net": net.to_state(), "adam": carry["adam"]}
    return st.store.state(f"ch08-maintenance-{end}", cfg, compute)


def withdrawal_after(st: Stages, p: BipolarProtocol, i: int) -> pd.DataFrame:
    published_d, _, end, _ = segments(st, p)[i]
    net = EnsembleMLP.from_state(maintenance_state(st, p, i)["net"], device=st.store.device)
    return withdrawal_table(net, st, published_d, end)


# --- kindling ---------------------------------------------------------------------------------------------
def kindling_config(st: Stages, p: BipolarProtocol, cycle: int) -> dict:
    return {"parent": arms_config(st, p), "kindling": asdict(p.kindling), "cycle": cycle}


def kindling_state(st: Stages, p: BipolarProtocol, cycle: int) -> dict:
    """The ensemble after kindling cycle ``cycle`` (drug on, no stabiliser) and that cycle's measurements."""
    def compute():
        if cycle == 0:
            net = treated_ensemble(st, p)
        else:
            net = EnsembleMLP.from_state(kindling_state(st, p, cycle - 1)["net"], device=st.store.device)
        n, task = len(p.acute.seeds), st.task.tile_members(len(TREATED))
        net = maintain(net, task, p.kindling, cycle, list(range(TREATED.index("ketamine") * n,
                                                               (TREATED.index("ketamine") + 1) * n)),
                       progress=st.progress)
        log = episode(net, task, p.kindling, cycle)
        return {"net": net.to_state(), "log": log}
    return st.store.state(f"ch08-kindling-cycle{cycle}", kindling_config(st, p, cycle), compute)


def member_rows(log: dict, seeds, n: int, **labels) -> list[dict]:
    return [dict(**labels, arm=TREATED[m // n], seed=seeds[m % n], metric=metric, value=float(values[m]))
            for metric, values in log.items() for m in range(len(values))]


def kindling_table(st: Stages, p: BipolarProtocol) -> pd.DataFrame:
    seeds, n = p.acute.seeds, len(p.acute.seeds)
    rows = []
    for c in range(p.kindling.cycles):
        rows += member_rows(kindling_state(st, p, c)["log"], seeds, n, cycle=c)
    last = EnsembleMLP.from_state(kindling_state(st, p, p.kindling.cycles - 1)["net"], device=st.store.device)
    rows += member_rows(autonomy(last, st.task.tile_members(len(TREATED)), p.kindling), seeds, n,
                        cycle=p.kindling.cycles)
    return pd.DataFrame(rows)


def compute(store: ResultStore, protocol: BipolarProtocol, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    p = protocol
    st = Stages(store, p.acute, progress=progress)
    out = {"acute": store.table("ch08-acute", arms_config(st, p), partial(acute_battery, st, p)),
           "adversity readings": store.table(
               "ch08-adversity-readings", {"parent": st.pruned_config(), "early_adversity": asdict(p.adversity),
                                           "ketamine": asdict(p.acute.ketamine)}, partial(adversity_readings, st, p)),
           "kindling": store.table("ch08-kindling", kindling_config(st, p, p.kindling.cycles),
                                   partial(kindling_table, st, p))}
    parts = []
    for i, (published_d, _, _, cfg) in enumerate(segments(st, p)):
        parts.append(store.table(f"ch08-withdrawal-{published_d}", {**cfg, "course": asdict(p.course)},
                                 partial(withdrawal_after, st, p, i)))
    out["withdrawal"] = pd.concat(parts, ignore_index=True)
    return out


ALTERNATIVE_KINDLING_LR = 1e-5   # A31's other reading of "low-learning-rate" maintenance epochs


def compute_with_alternatives(store: ResultStore, protocol: BipolarProtocol, *,
                              progress: bool = True) -> dict[str, pd.DataFrame]:
    """The chapter's tables (:func:`compute`), plus, on seed lists that keep the volume's data, kindling under the
    alternative reading of its maintenance learning rate, shown on the page where our kindling departs from the
    published one. The further seeds draw their own data and judge only the claims, which need the chapter's own
    tables.

    A separate function so that adding an investigation leaves the keys of the chapter's own stages alone.
    """
    out = compute(store, protocol, progress=progress)
    if protocol.acute.per_seed_data:
        return out
    st = Stages(store, protocol.acute, progress=progress)
    alt = replace(protocol, kindling=replace(protocol.kindling, maintenance=replace(
        protocol.kindling.maintenance, lr=ALTERNATIVE_KINDLING_LR)))
    out["kindling, alternative lr"] = store.table(
        f"ch08-kindling-lr{ALTERNATIVE_KINDLING_LR:g}", kindling_config(st, alt, alt.kindling.cycles),
        partial(kindling_table, st, alt))
    return out


# --- what the volume reports ------------------------------------------------------------------------------
def per_seed(df: pd.DataFrame, arm: str, metric: str, **where) -> pd.Series:
    sel = (df.arm == arm) & (df.metric == metric)
    for k, v in where.items():
        sel &= df[k] == v
    return df[sel].set_index("seed")["value"]


def kindling_summary(kindling: pd.DataFrame) -> dict:
    """Per arm: total relapses per seed, relapse rate and trigger accuracy per cycle, final scar load, ..."""
    cycles = sorted(c for c in kindling.cycle.unique() if c < kindling.cycle.max())
    last = kindling.cycle.max()
    out = {}
    for arm in KINDLED:
        relapsed = {c: per_seed(kindling, arm, "relapsed", cycle=c) for c in cycles}
        sev = kindling[(kindling.arm == arm) & (kindling.metric == "severity")].set_index(["cycle", "seed"])["value"]
        rel = kindling[(kindling.arm == arm) & (kindling.metric == "relapsed")].set_index(["cycle", "seed"])["value"]
        at_relapse = sev[rel.reindex(sev.index) == 1]
        out[arm] = {
            "total relapses": sum(relapsed.values()),
            "relapse rate": {c: 100 * float(r.mean()) for c, r in relapsed.items()},
            "trigger accuracy": {c: per_seed(kindling, arm, "trigger accuracy", cycle=c) for c in cycles},
            "scar load": {c: per_seed(kindling, arm, "scar load", cycle=c) for c in cycles},
            "final scar load": per_seed(kindling, arm, "scar load", cycle=last),
            "autonomy accuracy": per_seed(kindling, arm, "autonomy accuracy", cycle=last),
            "autonomous": per_seed(kindling, arm, "autonomous", cycle=last),
            "severity at relapse": at_relapse if len(at_relapse) else sev,
        }
    return out


def discontinuation_per_seed(withdrawal: pd.DataFrame, arm: str) -> pd.Series:
    """Per seed: the fraction (%) of maintenance lengths after which the arm relapsed (own decay rate)."""
    w = withdrawal[(withdrawal.schedule == "own rate") & (withdrawal.arm == arm)]
    return 100.0 * w.groupby("seed")["relapsed"].mean()


def reproduced(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, w, kin = results["acute"], results["withdrawal"], kindling_summary(results["kindling"])
    s = summarise(acute, ["arm", "metric"])
    st = lambda arm, metric: stat(s, arm=arm, metric=metric)  # noqa: E731
    n = st("untreated", COMBINED.name)["n_seeds"]
    rows = grid_rows(s, "Table 1", ROWS, EFFICACY_COLUMNS)
    rows += grid_rows(s, "Table 2", ROWS, RISK_COLUMNS, skip={("untreated", "activation")})
    for arm, label in KINDLED.items():
        k = kin[arm]
        rows += [key_row("Table 3", label, "Avg. Total Relapses", series_stat(k["total relapses"])),
                 key_row("Table 3", label, "Autonomy Rate (%)", 100 * float(k["autonomous"].mean()), n),
                 key_row("Table 3", label, "Final Biased Accuracy (Minimal Trigger) (%)",
                         series_stat(k["autonomy accuracy"]))]
        for c in (0, 5):
            rows += [key_row("Table 4", label, f"Cycle {c} Relapse Rate (%)", k["relapse rate"][c], n),
                     key_row("Table 4", label, f"Cycle {c} Biased Accuracy (%)",
                             series_stat(k["trigger accuracy"][c]))]
    sparsities = [st(a, "sparsity (weights only)")["value"] for a in ("ssri", "neurosteroid", "untreated")]
    off = lambda metric: series_stat(per_seed(acute, "neurosteroid", metric)  # noqa: E731
                                     - per_seed(acute, "neurosteroid-off", metric))
    k, ss, ns = kin["ketamine"], kin["ssri"], kin["neurosteroid"]
    later = [ss["relapse rate"][c] for c in (3, 4, 5)]
    prob = relapse_probability(w)
    rows += [
        key_row("", "Neurosteroid-like", "Final scar load after kindling (%)", series_stat(ns["final scar load"])),
        key_row("", "Ketamine-like & Neurosteroid-like", "Combined Stress Accuracy (%)",
                min(st("ketamine", COMBINED.name)["value"], st("neurosteroid", COMBINED.name)["value"]), n),
        key_row("", "Ketamine-like", "Network Sparsity (%)", st("ketamine", "sparsity (weights only)")),
        key_row("", "Other arms (SSRI, neurosteroid, untreated)", "Network Sparsity (%)",
                sum(sparsities) / len(sparsities), n),
        key_row("", "Neurosteroid-like", "Biased Accuracy (%)", st("neurosteroid", BIASED.name)),
        *[key_row("", ROWS[a], "Acute relapse drop (pt)", st(a, "relapse drop")) for a in TREATED],
        *[key_row("", ROWS[a], "Post-discontinuation relapse (% of runs)",
                  series_stat(discontinuation_per_seed(w, a))) for a in ("ssri", "neurosteroid")],
        key_row("", "Ketamine-like", "Final scar load after kindling (%)", series_stat(k["final scar load"])),
        key_row("", "Neurosteroid-like", "Severity factor", series_stat(ns["severity at relapse"])),
        key_row("", "Neurosteroid-like", "Scar burden by cycle 3 (%)", series_stat(ns["scar load"][3])),
        key_row("", "Neurosteroid-like", "Cycle 3 Relapse Rate (%)", ns["relapse rate"][3], n),
        key_row("", "Neurosteroid-like", "Cycle 4 Relapse Rate (%)", ns["relapse rate"][4], n),
        key_row("", "Neurosteroid-like", "Cycle 5 Biased Accuracy (%)", series_stat(ns["trigger accuracy"][5])),
        key_row("", "SSRI-like", "Final scar load after kindling (%)", series_stat(ss["final scar load"])),
        key_row("", "SSRI-like", "Cycle 1 Relapse Rate (%)", ss["relapse rate"][1], n),
        key_row("", "SSRI-like", "Cycle 5 Biased Accuracy (%)", series_stat(ss["trigger accuracy"][5])),
        key_row("", "Neurosteroid-like (inhibition removed)", "Combined-stress accuracy drop (pt)",
                off(COMBINED.name)),
        key_row("", "Neurosteroid-like (inhibition removed)", "Biased-noise accuracy drop (pt)", off(BIASED.name)),
        key_row("", "SSRI-like & neurosteroid-like", "Networks relapsing within 50 decay steps (of 10)",
                (prob["ssri"] + prob["neurosteroid"]) / 2 / 10, n),
        key_row("", "SSRI-like", "Scar quota relative to baseline (x)", series_stat(ss["severity at relapse"])),
        key_row("", "SSRI-like", "Relapse rate in later cycles (%)", sum(later) / len(later), n),
        key_row("", "Neurosteroid-like", "Cycle 1 Relapse Rate (%)", ns["relapse rate"][1], n),
    ]
    # the same published key twice (abstract and prose, or Results and Discussion) gets our number twice
    return pd.DataFrame(rows)


def relapse_after_long_and_short(withdrawal: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """SSRI-like and neurosteroid-like arms: the relapse probability (%, own decay rate) averaged over the
    maintenance lengths beyond 100 epochs, and over those of 100 or fewer (C8.4)."""
    own = withdrawal[withdrawal.schedule == "own rate"]
    by_duration = own.groupby(["arm", "duration"])["relapsed"].mean().unstack() * 100
    return {a: (by_duration.loc[a][by_duration.columns > 100].mean(),
                by_duration.loc[a][by_duration.columns <= 100].mean()) for a in ("ssri", "neurosteroid")}


def claims(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    acute, w, kin = results["acute"], results["withdrawal"], kindling_summary(results["kindling"])
    s = summarise(acute, ["arm", "metric"])
    v = lambda arm, metric: stat(s, arm=arm, metric=metric)["value"]  # noqa: E731
    f = lambda metric, arms: ", ".join(f"{ROWS.get(a, a)} {v(a, metric):.3g}" for a in arms)  # noqa: E731
    prob = relapse_probability(w)
    long_vs_short = relapse_after_long_and_short(w)
    total = {a: float(kin[a]["total relapses"].mean()) for a in KINDLED}
    auto = {a: 100 * float(kin[a]["autonomous"].mean()) for a in KINDLED}
    final = {a: float(kin[a]["autonomy accuracy"].mean()) for a in KINDLED}
    scar = {a: float(kin[a]["final scar load"].mean()) for a in KINDLED}
    acc = {a: (float(kin[a]["trigger accuracy"][0].mean()), float(kin[a]["trigger accuracy"][5].mean()))
           for a in KINDLED}
    rate = {a: [kin[a]["relapse rate"][c] for c in sorted(kin[a]["relapse rate"])] for a in KINDLED}
    sev = {a: float(kin[a]["severity at relapse"].mean()) for a in KINDLED}
    arms_by = lambda d: ", ".join(f"{KINDLED[a]} {x:.3g}" for a, x in d.items())  # noqa: E731
    return claims_table([
        Claim("C8.1", "Combined stress: neurosteroid-like > ketamine-like > SSRI-like ≫ untreated; only the "
              "ketamine-like arm rebuilds (sparsity about 49 % against about 95 %); the early scar load is the "
              "same in every arm.",
              v("neurosteroid", COMBINED.name) > v("ketamine", COMBINED.name) > v("ssri", COMBINED.name)
              > v("untreated", COMBINED.name) + 20
              and v("ketamine", "sparsity (weights only)") < 60
              and min(v(a, "sparsity (weights only)") for a in ("ssri", "neurosteroid", "untreated")) > 94.9
              and max(v(a, "scar load") for a in ARMS) - min(v(a, "scar load") for a in ARMS) < 1e-9,
              f(COMBINED.name, ("neurosteroid", "ketamine", "ssri", "untreated")) + "; sparsity "
              + f("sparsity (weights only)", ("ketamine", "ssri")) + "; scar load " + f("scar load", ARMS)),
        Claim("C8.2", "Biased noise: ketamine-like > neurosteroid-like > SSRI-like > untreated.",
              v("ketamine", BIASED.name) > v("neurosteroid", BIASED.name) > v("ssri", BIASED.name)
              > v("untreated", BIASED.name), f(BIASED.name, ("ketamine", "neurosteroid", "ssri", "untreated"))),
        Claim("C8.3", "Acute relapse (a further 40 % prune): ketamine-like ≈ 0 < neurosteroid-like < SSRI-like.",
              abs(v("ketamine", "relapse drop")) < 1 and v("ketamine", "relapse drop") < v("neurosteroid",
                                                                                            "relapse drop")
              < v("ssri", "relapse drop"), f("relapse drop", TREATED)),
        Claim("C8.4", "After withdrawal the ketamine-like arm never relapses, the SSRI-like and neurosteroid-like "
              "arms nearly always do; maintenance beyond 100 epochs lowers the neurosteroid-like rate, not the "
              "SSRI-like one.",
              prob["ketamine"] == 0 and min(prob["ssri"], prob["neurosteroid"]) > 80
              and long_vs_short["neurosteroid"][0] < long_vs_short["neurosteroid"][1]
              and long_vs_short["ssri"][0] >= long_vs_short["ssri"][1],
              ", ".join(f"{ROWS[a]} {x:.1f} %" for a, x in prob.items()) + "; > 100 vs ≤ 100 epochs: "
              + "; ".join(f"{ROWS[a]} {lo:.0f} vs {hi:.0f} %" for a, (lo, hi) in long_vs_short.items())),
        Claim("C8.5", "Kindling: total relapses SSRI-like > neurosteroid-like > ketamine-like; only the SSRI-like "
              "arm becomes autonomous; final accuracy at the minimal trigger SSRI-like < neurosteroid-like < "
              "ketamine-like.",
              total["ssri"] > total["neurosteroid"] > total["ketamine"] and auto["ssri"] > 0
              and auto["neurosteroid"] == 0 and auto["ketamine"] == 0
              and final["ssri"] < final["neurosteroid"] < final["ketamine"],
              f"relapses {arms_by(total)}; autonomy % {arms_by(auto)}; final accuracy {arms_by(final)}"),
        Claim("C8.6", "Final scar load ketamine-like > SSRI-like > neurosteroid-like: the most scarred arm relapses "
              "least.", scar["ketamine"] > scar["ssri"] > scar["neurosteroid"]
              and total["ketamine"] == min(total.values()), f"scar load % {arms_by(scar)}"),
        Claim("C8.7", "Biased accuracy at the trigger rises from cycle 0 to cycle 5 in every arm.",
              all(b > a for a, b in acc.values()),
              "; ".join(f"{KINDLED[a]} {x:.1f} → {y:.1f}" for a, (x, y) in acc.items())),
        Claim("C8.8", "Neurosteroid-like relapse by cycle: every seed in cycles 0–1, 10 % in cycle 3, none in "
              "cycles 4–5; SSRI-like falls from 90 % (cycles 0–1) to 30 % (cycle 5).",
              rate["neurosteroid"][0] == 100 and rate["neurosteroid"][1] == 100 and rate["neurosteroid"][3] <= 20
              and rate["neurosteroid"][4] == 0 and rate["neurosteroid"][5] == 0
              and min(rate["ssri"][:2]) >= 70 and rate["ssri"][5] < min(rate["ssri"][:2]),
              "; ".join(f"{KINDLED[a]} " + " / ".join(f"{x:.0f}" for x in r) for a, r in rate.items())),
        Claim("C8.9", "Severity: the neurosteroid-like arm ≈ 1.05; the SSRI-like arm about twice that.",
              abs(sev["neurosteroid"] - 1.05) < 0.1 and 1.6 < sev["ssri"] / sev["neurosteroid"] < 2.4,
              f"mean severity at relapse {arms_by(sev)}"),
        Claim("C8.10", "Neurosteroid off: combined accuracy falls by about 20 pt and biased accuracy by more than "
              "12 pt; at σ = 2.5 the network does better off the drug.",
              10 <= v("neurosteroid", COMBINED.name) - v("neurosteroid-off", COMBINED.name) <= 30
              and v("neurosteroid", BIASED.name) - v("neurosteroid-off", BIASED.name) > 12
              and v("neurosteroid-off", EXTREME.name) > v("neurosteroid", EXTREME.name),
              "; ".join(f"{m}: on {v('neurosteroid', m):.1f} / off {v('neurosteroid-off', m):.1f}"
                        for m in (COMBINED.name, BIASED.name, EXTREME.name))),
    ])


CHAPTER = Chapter(
    number=8, slug='ch08_bipolar_progression', title='Scars and kindling in bipolar progression',
    volume_title=('Irreversible Episode-Induced Scarring and Differential Repair in Simulated Bipolar Disorder '
                  'Progression'),
    volume_lines=(4707, 5503),
    summary=('Permanent scars, connections that can never grow back, are added: some from early adversity, more '
             'after every relapse, in proportion to a severity score. The treated networks are tested acutely, '
             'after discontinuation, and through repeated kindling cycles with a shrinking trigger, ending with a '
             'test of whether episodes have become autonomous.'),
    doi='10.5281/zenodo.18304566',
    default_seeds=TEN_SEEDS, fresh_seeds=FRESH_SEEDS, panel_claims=frozenset({"C8.4", "C8.5", "C8.8"}),
    profiles=tuple(PROFILES),
    member_memory_mb=450,   # peak per member, measured at the smoke profile (217 MB), doubled
    protocol=protocol, compute=compute_with_alternatives, reproduced=reproduced, claims=claims,
)
