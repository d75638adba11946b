"""The stage store: load-not-recompute, keys over config and code, checksums, atomicity, model kinds."""
import json

import pandas as pd
import pytest
import torch

from fragility_core import __version__
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.store import ResultStore, sha256_file


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
    ResultStore(tmp_path, profile="smoke", log=None).state("s", {"x": 1}, lambda: 1 / 0, code=(make,))
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
    again = ResultStore(tmp_path, profile="smoke", log=None).model("n", {"s": 1}, lambda: 1 / 0, EnsembleMLP,
                                                                   code=(make,))
    assert again.weights[0].abs().sum() > 0
    assert store.model("n", {"s": 1}, lambda: 1 / 0, EnsembleMLP, code=(make,)).weights[0].abs().sum() > 0


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


def _lineage(store, net_config, table_config, table_name="measured"):
    """A network state and a table measured on it (the table's config nests the network's, as stage configs do)."""
    def measure():
        state = store.state("net", net_config, lambda: {"w": torch.arange(3.0)})
        return pd.DataFrame({"v": [float(state["w"].sum())]})
    return store.table(table_name, {"parent": {"net": net_config}, **table_config}, measure,
                       code=(test_a_matching_stage_is_loaded_not_recomputed,))


def test_a_network_is_not_trained_again_on_another_processor_for_tables_that_descend_from_it(tmp_path, monkeypatch):
    import shutil

    import fragility_core.store as store_module
    from fragility_core.store import ProcessorMismatch, UNRECORDED

    net = {"seeds": (0, 1), "epochs": 2}    # tuples: manifests store lists, and the match must still hold
    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor A")
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), net, {"m": 1})
    shutil.rmtree(tmp_path / ".state")      # states are never committed: the next machine must train again
    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor B")
    here = ResultStore(tmp_path, profile="smoke", log=None)
    assert here.descendants_elsewhere(net) and not here.descendants_elsewhere({"seeds": (0, 2), "epochs": 2})
    with pytest.raises(ProcessorMismatch, match=r"measured \(Vendor A\).*--recompute-other-processor"):
        _lineage(here, net, {"m": 2}, "another")     # a new table on a retrained network: refused
    assert not (tmp_path / "stages" / "another").exists() and not (tmp_path / ".state" / "net").exists()
    assert _lineage(here, net, {"m": 1}).v.tolist() == [3.0]   # the stored table itself is still served

    recomputing = ResultStore(tmp_path, profile="smoke", log=None, recompute_other_processor=True)
    with pytest.raises(ProcessorMismatch, match="this command does not recompute them: measured"):
        _lineage(recomputing, net, {"m": 2}, "another")   # asked to recompute, but not the table that descends
    stored = {m.parent.name + "/" + m.stem.split(".")[0] for m in (tmp_path / "stages").glob("*/*.manifest.json")}
    again = ResultStore(tmp_path, profile="smoke", log=None, recompute_other_processor=True,
                        replacing={k.split("/")[1] for k in stored})
    _lineage(again, net, {"m": 1})               # recomputed here, then the new table may use the network
    _lineage(again, net, {"m": 2}, "another")
    cpus = {json.loads(m.read_text())["cpu"] for m in (tmp_path / "stages").glob("*/*.manifest.json")}
    assert cpus == {"Vendor B"} and not ResultStore(tmp_path, profile="smoke", log=None).descendants_elsewhere(net)

    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor C")   # the network of B is on disk this time
    _lineage(ResultStore(tmp_path, profile="smoke", log=None, recompute_other_processor=True,
                         replacing={k.split("/")[1] for k in stored} | {m.stem.split(".")[0] for m in (
                             tmp_path / "stages").glob("*/*.manifest.json")}), net, {"m": 1})
    state_cpus = {json.loads(m.read_text())["cpu"] for m in (tmp_path / ".state").glob("*/*.manifest.json")}
    assert state_cpus == {"Vendor C"}            # trained again here, not loaded from the other processor

    man = next((tmp_path / "stages" / "measured").glob("*.manifest.json"))
    m = json.loads(man.read_text())
    del m["cpu"]                                 # an older manifest that names no processor
    man.write_text(json.dumps(m))
    found = ResultStore(tmp_path, profile="smoke", log=None).descendants_elsewhere(net)
    assert ("measured", m["key"], UNRECORDED) in found


def test_a_stored_network_trained_on_another_processor_than_its_tables_is_refused(tmp_path, monkeypatch):
    """The situation the guard exists for: the tables were computed on one machine, the network on disk was
    trained again on another (states are never committed), and a new table would mix the two."""
    import fragility_core.store as store_module
    from fragility_core.store import ProcessorMismatch

    net = {"seeds": [0], "epochs": 1}
    monkeypatch.setattr(store_module, "cpu_model", lambda: "Vendor A")
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), net, {"m": 1})
    man = next((tmp_path / "stages" / "measured").glob("*.manifest.json"))
    man.write_text(json.dumps({**json.loads(man.read_text()), "cpu": "Vendor C"}))   # the table came from C
    with pytest.raises(ProcessorMismatch, match="was trained on Vendor A"):
        _lineage(ResultStore(tmp_path, profile="smoke", log=None), net, {"m": 2}, "another")
    _lineage(ResultStore(tmp_path, profile="smoke", log=None), {"seeds": [1], "epochs": 1}, {"m": 2}, "unrelated")
