import subprocess
import sys
import time

import pytest
import torch

from fragility_core.cli import run_chapter
from fragility_core.models.mlp import EnsembleMLP
from fragility_core.profiles import get_profile
from fragility_core.science.protocol import Protocol
from fragility_core.validate import resolve_device


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
        run_chapter("ch01", profile="smoke", device="cuda")


@pytest.mark.parametrize("args, word", [
    (["run", "ch01", "--profile", "fast"], "profile"),
    (["run", "ch99"], "chapter"),
    (["run", "ch01", "--device", "cuda"] if not torch.cuda.is_available() else ["run", "ch01", "--device", "tpu"],
     "device"),
])
def test_cli_fails_fast_before_any_compute(args, word):
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "fragility_core.cli", *args], capture_output=True, text=True)
    assert out.returncode == 2 and word in out.stderr
    assert time.perf_counter() - t0 < 30
