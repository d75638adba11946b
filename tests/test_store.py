import json

import pandas as pd
import pytest

from fragility_core import __version__
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.store import ResultStore


def test_a_matching_stage_is_loaded_not_recomputed(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    calls = []

    def compute():
        calls.append(1)
        return pd.DataFrame({"a": [1.5, 2.5]})

    first = store.table("ch00/t", {"x": 1}, compute)
    second = ResultStore(tmp_path, profile="smoke", log=None).table("ch00/t", {"x": 1}, compute)
    assert len(calls) == 1 and first.equals(second)
    store.table("ch00/t", {"x": 2}, compute)  # a changed config recomputes
    assert len(calls) == 2


def test_manifest_records_provenance(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    store.table("ch00/t", {"x": 1}, lambda: pd.DataFrame({"a": [1]}))
    m = json.loads((tmp_path / "ch00" / "t.manifest.json").read_text())
    assert m["package_version"] == __version__ and m["profile"] == "smoke" and m["config"] == {"x": 1}
    for key in ("config_hash", "git_commit", "torch_version", "device", "wall_time_s", "created_utc"):
        assert key in m


def test_an_interrupted_stage_leaves_nothing_behind(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)

    def boom():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.table("ch00/t", {"x": 1}, boom)
    assert not list(tmp_path.rglob("*.*"))


def test_network_stages_roundtrip_and_return_private_copies(tmp_path):
    store = ResultStore(tmp_path, profile="smoke", log=None)
    net = store.network("n", {"s": 1}, lambda: EnsembleMLP([3]))
    net.weights[0].data.zero_()
    again = ResultStore(tmp_path, profile="smoke", log=None).network("n", {"s": 1}, lambda: 1 / 0)
    assert again.weights[0].abs().sum() > 0
    assert store.network("n", {"s": 1}, lambda: 1 / 0).weights[0].abs().sum() > 0
