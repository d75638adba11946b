import subprocess
import sys

import pytest
import torch

from fragility_core.cli import main
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.profiles import get_profile
from fragility_core.runs import Run
from fragility_core.science.protocol import Protocol
from fragility_core.validate import resolve_device

NO_SUCH_DEVICE = "cuda" if not torch.cuda.is_available() else "tpu"


def test_unknown_profile_names_the_parameter():
    with pytest.raises(ValueError, match="profile"):
        get_profile("fast")


def test_empty_seed_list_names_the_parameter():
    with pytest.raises(ValueError, match="seeds"):
        Protocol.for_profile("smoke", seeds=[])
    with pytest.raises(ValueError, match="seeds"):
        EnsembleMLP([])


def test_fraction_outside_unit_interval_names_the_parameter():
    with pytest.raises(ValueError, match="prune_fraction"):
        Protocol.for_profile("smoke", prune_fraction=1.3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_is_an_error():
    with pytest.raises(ValueError, match="device"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="device"):
        Run.of("ch01", profile="smoke", device="cuda")


@pytest.mark.parametrize("kwargs, word", [
    (dict(profile="fast"), "profile"),
    (dict(seeds=[]), "seeds"),
    (dict(seeds=[-1]), "seeds"),
    (dict(seeds=[3, 3]), "seeds"),
    (dict(seeds=5), "seeds"),
    (dict(device="tpu"), "device"),
])
def test_run_of_names_the_bad_parameter_and_creates_nothing(kwargs, word, tmp_path):
    with pytest.raises(ValueError, match=word):
        Run.of("ch01", **{"profile": "smoke", **kwargs}, results_dir=tmp_path / "out")
    with pytest.raises(ValueError, match="chapter"):
        Run.of("ch99", profile="smoke", results_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    run = Run.of("ch01", profile="smoke", seeds=[7], results_dir=tmp_path / "out")  # valid: still nothing written
    assert run.root == tmp_path / "out" / "smoke-seeds-7" and not (tmp_path / "out").exists()


BAD_COMPUTE_ARGS = [
    (["ch01", "--profile", "fast"], "profile"),
    (["ch99"], "chapter"),
    (["ch01", "ch99", "--profile", "smoke"], "chapter"),  # every run is validated before the first computes
    (["ch01", "--profile", "smoke", "--device", NO_SUCH_DEVICE], "device"),
    (["ch01", "--profile", "smoke", "--seeds"], "--seeds"),
    (["ch01", "--profile", "smoke", "--seeds", ""], "--seeds"),
    (["ch01", "--profile", "smoke", "--seeds", "-1"], "seeds"),
    (["ch01", "--profile", "smoke", "--seeds", "1", "1"], "seeds"),
]


@pytest.mark.parametrize("args, word", BAD_COMPUTE_ARGS, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_bad_compute_parameters_exit_2_naming_them_and_compute_nothing(args, word, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["compute", *args, "--no-progress", "--results-dir", str(out)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and word in err.rsplit("error:", 1)[1]
    assert not out.exists()


def test_python_m_cli_fails_the_same_way(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "fragility_core.cli", "compute", "ch01", "--profile", "smoke",
                           "--device", NO_SUCH_DEVICE, "--results-dir", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2 and "device" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
