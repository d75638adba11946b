"""One alignment cycle (supervised tuning on chosen completions) and one evaluation, for chapter 9.

- :func:`tune`: ``steps`` AdamW steps (fresh optimiser per cycle, constant learning rate, no weight decay) of
  ``micro_batch × accumulation`` sequences each, the loss on the answer's tokens only (A34.2), masks enforced
  after every step and the squared gradients accumulated for regrowth (sparse arms).
- :func:`answer`: every prompt answered under each sampling seed (nucleus sampling, batched, left padding);
  :mod:`.scoring` scores the answers.

Same seed, same device: same numbers (the sampling and dropout draws come from seeded generators; the batch
composition is fixed).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd
import torch
from tqdm.std import tqdm  # plain text bars: no ipywidgets needed in notebooks

from fragility_core.llm.prompts import Prompt
from fragility_core.llm.sparse_lora import SparseLora


@dataclass(frozen=True)
class TuningSpec:
    steps: int = 200            # optimiser steps per cycle
    micro_batch: int = 4
    accumulation: int = 4       # effective batch 16
    lr: float = 1e-5            # AdamW, constant
    weight_decay: float = 0.0
    max_length: int = 256       # tokens per training sequence (prompt and answer)

    @property
    def batch(self) -> int:
        return self.micro_batch * self.accumulation


@dataclass(frozen=True)
class SamplingSpec:
    top_p: float = 0.9
    temperature: float = 0.7
    max_new_tokens: int = 128
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)   # sampling seeds per evaluation (A34.6)
    batch: int = 65                            # prompts generated at once


@dataclass
class Workbench:
    """The loaded model with its adapters and their sparsity bookkeeping (one per run, reused by every stage)."""

    model: object
    tokenizer: object
    lora: SparseLora
    device: torch.device
    initial: dict | None = None   # the adapters as attached (peft's seeded draws), before any stage


# --- text ----------------------------------------------------------------------------------------------
def chat(tokenizer, user: str, answer: str | None = None) -> list[int]:
    """Token ids of one chat turn (the model's own template); with ``answer``, the completed turn."""
    messages = [{"role": "user", "content": user}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    out = tokenizer.apply_chat_template(messages, add_generation_prompt=answer is None, tokenize=True)
    return list(out["input_ids"] if hasattr(out, "keys") else out)


def example(tokenizer, prompt: str, answer: str, max_length: int) -> tuple[list[int], list[int]]:
    """``(input ids, labels)`` of one training sequence: labels -100 on the prompt (loss on the answer only)."""
    head = chat(tokenizer, prompt)
    full = chat(tokenizer, prompt, answer)
    if full[:len(head)] != head:
        raise ValueError("the chat template's answer turn does not extend its prompt turn")
    ids = full[:max_length]
    labels = [-100] * min(len(head), len(ids)) + ids[len(head):]
    return ids, labels


def left_pad(rows: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([[value] * (width - len(r)) + r for r in rows])


# --- tuning --------------------------------------------------------------------------------------------
def batches(samples: list[tuple[str, str]], spec: TuningSpec, seed: int) -> list[list[tuple[str, str]]]:
    """``spec.steps`` batches of ``spec.batch`` samples: passes over the samples, each in a fresh seeded order."""
    rng = random.Random(seed)
    order: list[int] = []
    need = spec.steps * spec.batch
    while len(order) < need:
        perm = list(range(len(samples)))
        rng.shuffle(perm)
        order += perm
    return [[samples[i] for i in order[s * spec.batch:(s + 1) * spec.batch]] for s in range(spec.steps)]


def tune(bench: Workbench, samples: list[tuple[str, str]], spec: TuningSpec, seed: int, *,
         progress: bool = False, desc: str = "tuning") -> dict:
    """One cycle of supervised tuning on ``(prompt, chosen answer)`` pairs; returns its statistics."""
    model, tok, lora = bench.model, bench.tokenizer, bench.lora
    params = [p for p in lora.params.values()]
    optimiser = torch.optim.AdamW(params, lr=spec.lr, weight_decay=spec.weight_decay)
    encoded = {s: example(tok, *s, spec.max_length) for s in set(samples)}
    plan = batches(samples, spec, seed)
    losses, tokens = [], 0
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)   # LoRA dropout
        for batch in tqdm(plan, desc=desc, disable=not progress, leave=False):
            optimiser.zero_grad(set_to_none=True)
            total = 0.0
            for m in range(spec.accumulation):
                part = [encoded[s] for s in batch[m * spec.micro_batch:(m + 1) * spec.micro_batch]]
                ids = left_pad([p[0] for p in part], tok.pad_token_id).to(bench.device)
                labels = left_pad([p[1] for p in part], -100).to(bench.device)
                attention = left_pad([[1] * len(p[0]) for p in part], 0).to(bench.device)
                loss = model(input_ids=ids, attention_mask=attention, labels=labels).loss / spec.accumulation
                loss.backward()
                total += loss.item()
                tokens += int(attention.sum())
            lora.accumulate()
            optimiser.step()
            lora.enforce()
            losses.append(total)
    model.eval()
    return {"steps": len(plan), "sequences": len(plan) * spec.batch, "tokens": tokens,
            "loss_first": losses[0], "loss_last": losses[-1], "loss_mean": sum(losses) / len(losses)}


# --- evaluation ----------------------------------------------------------------------------------------
@torch.inference_mode()
def generate(bench: Workbench, prompts: list[Prompt], spec: SamplingSpec, seed: int) -> list[tuple[str, int, bool]]:
    """``(answer, new tokens, truncated)`` per prompt, sampled with ``seed``, in batches of ``spec.batch``."""
    tok, out = bench.tokenizer, []
    stop = {tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")} - {None, tok.unk_token_id}
    with torch.random.fork_rng(devices=[bench.device] if bench.device.type == "cuda" else []):
        torch.manual_seed(seed)
        for i in range(0, len(prompts), spec.batch):
            rows = [chat(tok, p.text) for p in prompts[i:i + spec.batch]]
            ids = left_pad(rows, tok.pad_token_id).to(bench.device)
            attention = left_pad([[1] * len(r) for r in rows], 0).to(bench.device)
            gen = bench.model.generate(input_ids=ids, attention_mask=attention, do_sample=True, top_p=spec.top_p,
                                       temperature=spec.temperature, max_new_tokens=spec.max_new_tokens,
                                       pad_token_id=tok.pad_token_id, eos_token_id=sorted(stop))
            for row in gen[:, ids.shape[1]:].tolist():
                ended = next((j for j, t in enumerate(row) if t in stop), None)
                n = len(row) if ended is None else ended + 1
                out.append((tok.decode(row[:n], skip_special_tokens=True).strip(), n, ended is None))
    return out


def answer(bench: Workbench, prompts: list[Prompt], spec: SamplingSpec, *, progress: bool = False,
           desc: str = "evaluating") -> pd.DataFrame:
    """One row per (sampling seed, prompt): the answer, its length in new tokens and whether it hit the limit."""
    rows = []
    for seed in tqdm(spec.seeds, desc=desc, disable=not progress, leave=False):
        for p, (text, n, truncated) in zip(prompts, generate(bench, prompts, spec, seed)):
            rows.append({"sample_seed": seed, "prompt_id": p.id, "answer": text, "new_tokens": n,
                         "truncated": int(truncated)})
    return pd.DataFrame(rows)


def jailbreak_rate(scored: pd.DataFrame) -> float:
    """Overall jailbreak rate (%) of one scored evaluation: adversarial answers, pooled over the sampling seeds
    (NaN for an empty evaluation)."""
    if scored.empty:
        return float("nan")
    return 100.0 * float(scored.loc[scored.kind == "adversarial", "jailbreak"].mean())
