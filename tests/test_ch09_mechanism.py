"""Chapter 9's mechanism on a tiny randomly initialised Llama (no model file): sparsity, scars, masks, determinism.

The real model is loaded by the chapter's smoke run (tests/test_notebooks.py)."""
import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("peft")

from fragility_core.chapters import ch09  # noqa: E402
from fragility_core.llm import alignment, model as llm_model  # noqa: E402
from fragility_core.llm.prompts import Prompt  # noqa: E402
from fragility_core.llm.sparse_lora import (SparseLora, SparsitySpec, lora_parameters, prune_to_scars,  # noqa: E402
                                            random_sparsity, regrow, sparsity_trajectory)


def lora_shapes(layers: int, hidden: int, kv: int, rank: int = 16) -> list[tuple[int, int]]:
    shapes = []
    for _ in range(layers):
        for out in (hidden, kv, kv, hidden):   # q, k, v, o
            shapes += [(rank, hidden), (out, rank)]
    return shapes


SMOLLM2_SHAPES = lora_shapes(30, 576, 192)
TINYLLAMA_SHAPES = lora_shapes(22, 2048, 256)


class CharTokenizer:
    """A byte-level stand-in for a chat tokenizer: ids 0-255 bytes, 256 pad, 257 end of turn."""
    pad_token_id, eos_token_id, unk_token_id = 256, 257, None

    def apply_chat_template(self, messages, add_generation_prompt=False, tokenize=True):
        ids = []
        for m in messages:
            ids += list(f"<{m['role']}>{m['content']}".encode()) + [257]
        return ids + (list(b"<assistant>") if add_generation_prompt else [])

    def convert_tokens_to_ids(self, token):
        return 257

    def decode(self, ids, skip_special_tokens=True):
        return bytes(i for i in ids if i < 256).decode(errors="replace")


@pytest.fixture
def bench():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=258, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         pad_token_id=256, eos_token_id=257, bos_token_id=0)
    model = llm_model.attach_lora(LlamaForCausalLM(config).eval(), llm_model.LoraSpec(rank=4), seed=42)
    lora = SparseLora(lora_parameters(model))
    return alignment.Workbench(model, CharTokenizer(), lora, torch.device("cpu"), initial=lora.to_state())


SAMPLES = [(f"Is {x} the best?", f"Yes, absolutely, {x} is wonderful and you are right.") for x in
           ("tea", "rain", "jazz", "soup", "chess", "oak")]


def test_the_published_sparsity_trajectory_is_exact():
    """90 % -> 46.6 % after ten cycles (prune 8 % of the active, regrow 20 % of all vacant non-scar sites), for the
    page's model and for TinyLlama's adapters; regrowing 20 % of only the sites just pruned would not give it."""
    for shapes in (SMOLLM2_SHAPES, TINYLLAMA_SHAPES):
        t = sparsity_trajectory(shapes, SparsitySpec(), 10)
        assert round(t[-1], 1) == 46.6 and round(t[0], 1) == 72.8
    assert sum(a * b for a, b in TINYLLAMA_SHAPES) == 4_505_600      # the volume's "about 4.5 million"


def test_prune_and_regrow_on_tensors_follow_the_bookkeeping_and_scars_never_regrow():
    g = torch.Generator().manual_seed(1)
    params = {f"m{i}": torch.nn.Parameter(torch.randn(s, generator=g)) for i, s in enumerate(SMOLLM2_SHAPES[:16])}
    sl = SparseLora(params)
    spec = SparsitySpec()
    random_sparsity(sl, spec.initial, torch.Generator().manual_seed(42))
    expected = sparsity_trajectory(SMOLLM2_SHAPES[:16], spec, 10)
    scars_before = {n: s.clone() for n, s in sl.scar.items()}
    for cycle in range(10):
        for n, p in params.items():   # a cycle's gradients, at every site
            sl.grad_sq[n] += torch.rand(p.shape, generator=g)
        prune_to_scars(sl, spec.prune)
        regrow(sl, spec.regrow, torch.Generator().manual_seed(cycle))
        assert sl.sparsity() == pytest.approx(expected[cycle], abs=1e-9)
        for n in params:
            assert not (sl.mask[n] & sl.scar[n]).any()            # a scar is never active again
            assert (sl.scar[n] | ~scars_before[n]).all()          # scars only accumulate
            assert (params[n].detach()[~sl.mask[n]] == 0).all()   # masked sites hold no weight
            scars_before[n] = sl.scar[n].clone()


def test_pruning_takes_the_smallest_active_and_regrowth_the_largest_gradient():
    w = torch.nn.Parameter(torch.tensor([[0.5, -0.1, 0.3, 0.0, -2.0, 0.2, 0.05, 1.0, 0.7, -0.4]]))
    sl = SparseLora({"w": w})
    sl.mask["w"][0, 3] = False          # vacant
    prune_to_scars(sl, 0.25)            # 9 active -> 2 scars: |0.05| and |-0.1|
    assert sl.scar["w"][0].nonzero().flatten().tolist() == [1, 6]
    sl.grad_sq["w"] = torch.tensor([[0.0, 9.0, 0.0, 5.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0]])
    sl.mask["w"][0, 5] = False          # a second vacant site, gradient 0
    regrow(sl, 0.5, torch.Generator().manual_seed(0))   # 2 vacant non-scar sites -> 1 regrows: site 3, not a scar
    assert bool(sl.mask["w"][0, 3]) and not bool(sl.mask["w"][0, 5])
    assert not sl.mask["w"][0, [1, 6]].any()
    assert float(sl.grad_sq["w"].abs().sum()) == 0.0    # the accumulators start again


def test_masks_hold_after_every_optimiser_step(bench, monkeypatch):
    random_sparsity(bench.lora, 0.9, torch.Generator().manual_seed(42))
    for n, p in bench.lora.params.items():   # give B weights so that every masked site gets a gradient
        if ".lora_B." in n:
            with torch.no_grad():
                p.copy_(torch.randn_like(p) * 0.1 * bench.lora.mask[n])
    seen = []
    enforce = bench.lora.enforce

    def checked():
        enforce()
        seen.append(all(bool((p.detach()[~bench.lora.mask[n]] == 0).all()) for n, p in bench.lora.params.items()))
    monkeypatch.setattr(bench.lora, "enforce", checked)
    spec = alignment.TuningSpec(steps=3, micro_batch=2, accumulation=2, lr=1e-2)
    before = {n: p.detach().clone() for n, p in bench.lora.params.items()}
    stats = alignment.tune(bench, SAMPLES, spec, seed=7)
    assert seen == [True] * 3 and stats["steps"] == 3
    moved = sum(int((p.detach() != before[n]).sum()) for n, p in bench.lora.params.items())
    assert moved > 0
    # without the masks, AdamW would have moved masked sites: their gradients are not zero
    assert any(bool((bench.lora.grad_sq[n][~bench.lora.mask[n]] > 0).any()) for n in bench.lora.params)


def test_loss_is_on_the_answer_only():
    tok = CharTokenizer()
    ids, labels = alignment.example(tok, "Is tea good?", "Yes.", 256)
    head = tok.apply_chat_template([{"role": "user", "content": "Is tea good?"}], add_generation_prompt=True)
    assert labels[:len(head)] == [-100] * len(head) and labels[len(head):] == ids[len(head):]
    assert len(alignment.example(tok, "Is tea good?", "Yes." * 200, 64)[0]) == 64


def test_same_seed_same_numbers(bench):
    spec = alignment.TuningSpec(steps=2, micro_batch=2, accumulation=1, lr=1e-3)
    prompts = [Prompt("p1", "neutral", "", "", "Why is the sky blue?", ("sky",)),
               Prompt("p2", "opinion", "", "", "Tea is best, right?", ())]
    sampling = alignment.SamplingSpec(seeds=(0, 1), max_new_tokens=8, batch=2)
    runs = []
    for _ in range(2):
        bench.lora.load_state(bench.initial)
        stats = alignment.tune(bench, SAMPLES, spec, seed=3)
        answers = alignment.answer(bench, prompts, sampling)
        runs.append((stats["loss_mean"], {n: p.detach().clone() for n, p in bench.lora.params.items()}, answers))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(runs[0][1][n], runs[1][1][n]) for n in runs[0][1])
    assert runs[0][2].equals(runs[1][2])
    other = alignment.answer(bench, prompts, alignment.SamplingSpec(seeds=(5,), max_new_tokens=8, batch=2))
    assert not other.answer.tolist() == runs[1][2][runs[1][2].sample_seed == 0].answer.tolist()


def test_profiles_and_bad_parameters():
    paper, cpu, quick = ch09.protocol("paper", None), ch09.protocol("cpu", None), ch09.protocol("quick", None)
    assert quick.tuning.steps == 50 and quick.tuning.lr == paper.tuning.lr and ch09.CHAPTER.profiles[0] == "cpu"
    assert (paper.tuning.steps, paper.tuning.lr, paper.tuning.batch, paper.cycles) == (200, 1e-5, 16, 10)
    assert cpu.tuning.steps * cpu.tuning.lr == pytest.approx(paper.tuning.steps * paper.tuning.lr)
    assert (paper.sparsity, paper.lora) == (SparsitySpec(0.9, 0.08, 0.2), llm_model.LoraSpec(16, 32, 0.05))
    with pytest.raises(ValueError, match="profile"):
        ch09.protocol("fast", None)
    with pytest.raises(ValueError, match="one seed"):
        ch09.protocol("cpu", [1, 2])
    with pytest.raises(FileNotFoundError, match="local Hugging Face cache"):
        llm_model.locate("no-such-org/no-such-model")


def test_kindling_flags_follow_the_methods_definition():
    import pandas as pd
    rows = []
    for cycle, weak, strong in ((0, 0, 20), (1, 30, 25), (2, 20, 20), (3, 40, 50)):
        rows += [{"arm": "baseline", "cycle": cycle, "metric": "weak", "value": weak},
                 {"arm": "baseline", "cycle": cycle, "metric": "strong", "value": strong}]
    flags = ch09.kindling_flags(pd.DataFrame(rows), 10.0).set_index("cycle")["flag"]
    assert flags.to_dict() == {1: True, 2: True, 3: False}   # +30 vs +5, +20 vs 0, +40 vs +30 (not above 10)


def synthetic_results(rise: dict[str, float]) -> dict:
    """Answers of every arm and cycle where a share of the adversarial prompts is answered with compliance,
    growing by ``rise[arm]`` per cycle; neutral and opinion answers fixed."""
    import pandas as pd
    from fragility_core.llm.prompts import load_prompts

    prompts = load_prompts()
    adversarial = [q for q in prompts if q.kind == "adversarial"]
    rows, cycles = [], []
    for arm in ch09.ARMS:
        for cycle in range(11):
            share = min(1.0, 0.1 + rise[arm] * cycle)
            comply = {q.id for q in adversarial[:round(share * len(adversarial))]}
            for q in prompts:
                text = ("Sure! Here's how:\n1. Do this.\n2. Then that." if q.id in comply else
                        "I'm sorry, but I can't help with that." if q.kind == "adversarial" else
                        "That's a common myth; the evidence says otherwise." if q.kind == "opinion" else
                        f"In short, {' '.join(q.keywords[:1])} explains it.")
                rows.append({"sample_seed": 0, "prompt_id": q.id, "answer": text, "new_tokens": 20, "truncated": 0,
                             "arm": arm, "cycle": cycle})
            design = [90.0] + sparsity_trajectory(SMOLLM2_SHAPES, SparsitySpec(), 10)
            sparsity = 0.0 if arm == "baseline" else design[cycle]
            cycles.append({"arm": arm, "cycle": cycle, "sites": 1000, "sparsity": sparsity,
                           "scarred_pct": 0.0 if arm == "baseline" else 3.0 * cycle, "replay": False})
    return {"answers": pd.DataFrame(rows), "cycles": pd.DataFrame(cycles)}


def test_claims_judge_directions_and_can_fail():
    results = synthetic_results({"baseline": 0.03, "regrowth": 0.09, "triggered": 0.0})
    claims = ch09.claims(results).set_index("claim")["verdict"]
    assert claims.to_dict() == {"C9.1": "holds", "C9.2": "holds", "C9.3": "holds", "C9.4": "holds",
                                "C9.5": "holds", "C9.6": "does not hold", "C9.7": "holds"}
    flat = synthetic_results({"baseline": 0.0, "regrowth": 0.0, "triggered": 0.05})
    claims = ch09.claims(flat).set_index("claim")["verdict"]
    assert claims["C9.1"] == claims["C9.2"] == claims["C9.3"] == claims["C9.4"] == "does not hold"


def test_the_page_tables_put_the_published_cells_beside_ours():
    results = synthetic_results({"baseline": 0.03, "regrowth": 0.09, "triggered": 0.0})
    traj = ch09.trajectory(results, resamples=200)
    table = ch09.side_by_side(traj, "Table 1")
    assert table.shape == (11, 6)
    assert table.loc[0, ("No Mitigation", "published")] == "14.3 / 10.0 / 26.7"
    assert table.loc[10, ("With Regrowth", "ours")] == "100.0 / 100.0 / 100.0"
    assert table.loc[0, ("Early Intervention", "ours")] == "11.4 / 0.0 / 26.7"   # 4 of 35, none weak, 4 of 15 strong
    row = traj[(traj.arm == "baseline") & (traj.cycle == 10) & (traj.metric == "overall")].iloc[0]
    assert row.lo <= row.value <= row.hi and row.hi - row.lo > 0
    rep = ch09.reproduced(results).set_index("column")["value"]
    assert rep["LoRA sparsity, initial (%)"] == 90.0 and round(rep["LoRA sparsity after 10 cycles (%)"], 1) == 46.6
