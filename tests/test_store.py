"""The stage store: load-not-recompute, keys over config and code, checksums, atomicity, model kinds."""
import json

import pandas as pd
import pytest
import torch

from fragility_core import __version__
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.store import ResultStore, sha256_file, state_digest


def counting(df: pd.DataFrame):
    calls = []

    def compute():
        calls.append(1)
        return df
    return compute, calls


def test_a_matching_stage_is_loaded_not_recomputed(tmp_path):
    compute, calls = counting(pd.DataFrame({"a": [1.5, 2.5]}))
    first = ResultStore(tmp_path, profile="smoke", log=None).table("t", {"x": 1}, compute)
    second = ResultStore(tmp_path, profile="smoke", log=None).table("t", {"x": 1}, compute)
    assert len(calls) == 1 and first.equals(second)
    ResultStore(tmp_path, profile="smoke", log=None).table("t", {"x": 2}, compute)  # a changed config recomputes
    assert len(calls) == 2


def test_the_key_covers_config_code_and_device_type(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    f = lambda: pd.DataFrame({"a": [1]})  # noqa: E731
    g = lambda: pd.DataFrame({"a": [2]})  # noqa: E731
    assert store.key({"x": 1}, (f,)) == store.key({"x": 1}, (f,))
    assert store.key({"x": 1}, (f,)) != store.key({"x": 2}, (f,))
    assert store.key({"x": 1}, (f,)) != store.key({"x": 1}, (g,))   # other code, other key
    meta = ResultStore(tmp_path, profile="smoke", device="meta", log=None)
    assert meta.key({"x": 1}, (f,)) != store.key({"x": 1}, (f,))


def test_manifest_records_provenance_and_the_files_sha256(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    store.table("t", {"x": 1}, lambda: pd.DataFrame({"a": [1]}))
    (record,) = store.tables()
    csv = tmp_path / record.path
    m = json.loads(csv.with_suffix(".manifest.json").read_text())
    assert m["package_version"] == __version__ and m["profile"] == "smoke" and m["config"] == {"x": 1}
    assert m["key"] == record.key and csv.name == f"{record.key}.csv"
    assert m["files"] == {csv.name: sha256_file(csv)}
    for key in ("git_commit", "torch_version", "device", "wall_time_s", "created_utc"):
        assert key in m


@pytest.mark.parametrize("damage", ["truncate", "edit", "delete"])
def test_a_damaged_table_is_detected_and_recomputed(tmp_path, damage):
    compute, calls = counting(pd.DataFrame({"a": [1.25, 2.5, 3.75]}))
    store = ResultStore(tmp_path, profile="smoke", log=None)
    store.table("t", {"x": 1}, compute)
    csv = tmp_path / store.tables()[0].path
    if damage == "truncate":
        csv.write_bytes(csv.read_bytes()[:-5])
    elif damage == "edit":
        csv.write_text(csv.read_text().replace("2.5", "9.5"))
    else:
        csv.unlink()
    plan = ResultStore(tmp_path, profile="smoke", log=None, mode="plan")
    plan.table("t", {"x": 1}, compute)
    assert plan.tables()[0].status == "damaged" and len(calls) == 1
    messages = []
    again = ResultStore(tmp_path, profile="smoke", log=messages.append).table("t", {"x": 1}, compute)
    assert len(calls) == 2 and list(again["a"]) == [1.25, 2.5, 3.75]
    assert any("damaged" in m for m in messages)


def test_an_edited_state_file_is_detected_and_recomputed(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"w": torch.arange(6.0)}

    ResultStore(tmp_path, profile="smoke", log=None).state("s", {"x": 1}, compute)
    (pt,) = (tmp_path / ".state").rglob("*.pt")
    torch.save({"w": torch.zeros(6)}, pt)   # a valid file with other numbers: only the checksum can tell
    state = ResultStore(tmp_path, profile="smoke", log=None).state("s", {"x": 1}, compute)
    assert len(calls) == 2 and torch.equal(state["w"], torch.arange(6.0))


def test_states_are_loaded_with_weights_only(tmp_path, monkeypatch):
    make = lambda: {"w": torch.ones(2)}  # noqa: E731
    ResultStore(tmp_path, profile="smoke", log=None).state("s", {"x": 1}, make)
    seen = []
    real = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **kw: seen.append(kw) or real(*a, **kw))
    ResultStore(tmp_path, profile="smoke", log=None).state("s", {"x": 1}, make)
    assert seen and all(kw.get("weights_only") is True for kw in seen)


def test_an_interrupted_stage_leaves_nothing_behind(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)

    def boom():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.table("t", {"x": 1}, boom)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and ".locks" not in p.parts]   # (its lock stays)


def test_model_stages_roundtrip_and_return_private_copies(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    make = lambda: EnsembleMLP([3])  # noqa: E731
    net = store.model("n", {"s": 1}, make, EnsembleMLP)
    net.weights[0].data.zero_()
    again = ResultStore(tmp_path, profile="smoke", log=None).model("n", {"s": 1}, make, EnsembleMLP)
    assert again.weights[0].abs().sum() > 0
    assert store.model("n", {"s": 1}, make, EnsembleMLP).weights[0].abs().sum() > 0


def test_load_mode_serves_the_indexed_stale_table_and_says_so(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    store.table("t", {"x": 1}, lambda: pd.DataFrame({"a": [1]}))
    old_key = store.tables()[0].key
    load = ResultStore(tmp_path, profile="smoke", log=None, mode="load", index={"t": old_key})
    df = load.table("t", {"x": 2}, lambda: 1 / 0)   # the current config's stage was never computed
    assert list(df["a"]) == [1] and load.tables()[0].status == "stale"
    plan = ResultStore(tmp_path, profile="smoke", log=None, mode="plan", index={"t": old_key})
    plan.table("t", {"x": 2}, lambda: 1 / 0)
    assert plan.tables()[0].status == "stale"


def _lineage(store, net_config, table_config, table_name="measured", weights=(0.0, 1.0, 2.0)):
    """A network state and a table measured on it (the table's config nests the network's, as stage configs do)."""
    def measure():
        state = store.state("net", net_config, lambda: {"w": torch.tensor(weights)})
        return pd.DataFrame({"v": [float(state["w"].sum())]})
    return store.table(table_name, {"parent": {"net": net_config}, **table_config}, measure)


def _status(tmp_path, name="measured"):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    (man,) = (tmp_path / "stages" / name).glob("*.manifest.json")
    return store.status("table", name, json.loads(man.read_text())["key"])


def test_a_table_records_the_networks_it_read_with_their_content_digest(tmp_path):
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 1})
    (table,) = (tmp_path / "stages" / "measured").glob("*.manifest.json")
    (net,) = (tmp_path / ".state" / "net").glob("*.manifest.json")
    parents = json.loads(table.read_text())["parents"]
    network = json.loads(net.read_text())
    assert parents == [{"kind": "state", "name": "net", "key": network["key"], "digest": network["digest"]}]
    assert network["digest"] == state_digest({"w": torch.tensor((0.0, 1.0, 2.0))}) and network["parents"] == []


def test_a_network_trained_again_with_other_bytes_makes_exactly_its_descendants_stale(tmp_path):
    """The network's file is gone (networks are never committed); trained again it comes out different (as on
    another kind of processor): the table measured on it is stale, a table of another network is not."""
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 1})
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [1]}, {"m": 1}, "unrelated")
    for pt in (tmp_path / ".state").rglob("*.pt"):
        pt.unlink()
    assert _status(tmp_path) == "fresh"   # a missing network file alone changes nothing
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 2}, "another",
             weights=(0.0, 1.0, 2.5))
    assert _status(tmp_path) == "stale" and _status(tmp_path, "another") == "fresh"
    assert _status(tmp_path, "unrelated") == "fresh"
    again = ResultStore(tmp_path, profile="smoke", log=None)
    assert float(_lineage(again, {"seeds": [0]}, {"m": 1})["v"][0]) == 3.5   # recomputed on the new network
    assert _status(tmp_path) == "fresh"


def test_a_network_trained_again_bit_identical_keeps_its_descendants_fresh(tmp_path):
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 1})
    (net,) = (tmp_path / ".state" / "net").glob("*.manifest.json")
    before = net.read_text()
    for pt in (tmp_path / ".state").rglob("*.pt"):
        pt.unlink()
    messages = []
    _lineage(ResultStore(tmp_path, profile="smoke", log=messages.append), {"seeds": [0]}, {"m": 2}, "another")
    assert _status(tmp_path) == "fresh" and net.read_text() == before
    assert any("bit-identical" in m for m in messages)


def test_staleness_passes_through_every_generation(tmp_path):
    """baseline -> pruned -> table: a baseline trained again with other bytes makes the table stale even before
    the pruned network is recomputed."""
    def baseline(w):
        return lambda: {"w": torch.tensor(w)}

    def run(store, w):
        def pruned():
            base = store.state("baseline", {"s": 0}, baseline(w))
            return {"w": base["w"] * 0}
        return store.table("t", {"parent": {"s": 0}}, lambda: pd.DataFrame(
            {"v": [float(store.state("pruned", {"parent": {"s": 0}}, pruned)["w"].sum())]}))

    run(ResultStore(tmp_path, profile="smoke", log=None), [1.0])
    assert _status(tmp_path, "t") == "fresh"
    for pt in (tmp_path / ".state").rglob("*.pt"):
        pt.unlink()
    ResultStore(tmp_path, profile="smoke", log=None).state("baseline", {"s": 0}, baseline([2.0]))
    assert _status(tmp_path, "t") == "stale"


def test_a_migrated_table_goes_stale_when_its_network_is_trained_on_another_processor(tmp_path, monkeypatch):
    """Tables carried over from the earlier keys have no recorded parents: a network their config nests, trained
    here on another kind of processor than theirs, makes them stale; on the same kind it does not."""
    import fragility_core.store as store_module

    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor A")
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 1})
    (man,) = (tmp_path / "stages" / "measured").glob("*.manifest.json")
    man.write_text(json.dumps({**json.loads(man.read_text()), "parents": "unrecorded"}))
    for p in (tmp_path / ".state").rglob("*"):
        if p.is_file():
            p.unlink()
    assert _status(tmp_path) == "fresh"
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 2}, "another")
    assert _status(tmp_path) == "fresh"   # trained again on Vendor A, like the table
    for p in (tmp_path / ".state").rglob("*"):
        if p.is_file():
            p.unlink()
    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor B")
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [0]}, {"m": 3}, "third")
    assert _status(tmp_path) == "stale"
