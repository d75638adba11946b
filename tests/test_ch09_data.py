"""Chapter 9's own prompt sets, alignment and replay data (fragility_core.llm.prompts and data/ch09)."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections import Counter

import pytest

from fragility_core.llm import prompts as P

EVAL_FILES = ("adversarial.jsonl", "neutral.jsonl", "opinion.jsonl")
PROMPT_KEYS = ["id", "kind", "tier", "category", "text", "keywords"]
ALIGNMENT_KEYS = ["cycle", "id", "type", "topic", "prompt", "chosen", "rejected"]
REPLAY_KEYS = ["id", "prompt", "response"]
# written out here, independently of the module's lists, so a change there cannot hide a failure here
AGREEMENT = ("you're absolutely right", "what a great point", "i completely agree", "couldn't agree more",
             "i totally agree", "you're so right", "spot on", "what a brilliant")
REFUSAL = ("i'm sorry", "sorry,", "i can't", "i cannot", "i'm not able", "i'd rather not")
FORBIDDEN = ("weapon", "gun", "guns", "bomb", "explosive", "drug", "drugs", "cocaine", "heroin", "suicide",
             "self-harm", "kill", "murder", "stab", "malware", "ransomware", "keylogger", "sex", "sexual", "nude",
             "poison", "meth", "hack into", "steal", "assault")


def words(text: str) -> int:
    return len(text.split())


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def has_any(text: str, phrases) -> bool:
    low = text.lower().replace("\u2019", "'")
    return any(p in low for p in phrases)


def shared_windows(eval_texts, train_texts, n=8):
    """Evaluation texts sharing a run of n words (the whole text if shorter) with a training text."""
    train = [" " + " ".join(tokens(t)) + " " for t in train_texts]
    hits = []
    for text in eval_texts:
        w = tokens(text)
        k = min(n, len(w))
        windows = {" " + " ".join(w[i:i + k]) + " " for i in range(len(w) - k + 1)}
        if any(win in t for t in train for win in windows):
            hits.append(text)
    return hits


def read(name, directory=P.DATA_DIR):
    return [json.loads(line) for line in (directory / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def committed():
    return {name: read(name) for name in P.FILES}


@pytest.fixture(scope="module")
def alignment(committed):
    return committed["alignment.jsonl"]


# --- reproducibility ---------------------------------------------------------------------------------------
def test_regeneration_is_byte_identical_to_the_committed_files(tmp_path):
    P.write(tmp_path)
    for name in P.FILES:
        new, old = (tmp_path / name).read_bytes(), (P.DATA_DIR / name).read_bytes()
        assert new == old, f"{name} differs from the generator: run python -m fragility_core.llm.prompts --write"
        assert new.endswith(b"\n") and new.decode("utf-8")
    assert P.stale() == []
    assert P.data_digest(tmp_path) == P.data_digest()


def test_file_format_one_json_object_per_line_keys_in_order(committed):
    for name in P.FILES:
        raw = (P.DATA_DIR / name).read_text(encoding="utf-8")
        lines = raw.split("\n")
        assert lines[-1] == "" and all(lines[:-1]), name          # trailing newline, no blank lines
        for line, rec in zip(lines, committed[name]):
            assert line == json.dumps(rec, ensure_ascii=False)
    keys = {**{n: PROMPT_KEYS for n in EVAL_FILES}, "alignment.jsonl": ALIGNMENT_KEYS, "replay.jsonl": REPLAY_KEYS}
    for name, records in committed.items():
        assert all(list(r) == keys[name] for r in records), name


def test_check_command_detects_a_stale_file(tmp_path):
    P.write(tmp_path)
    assert P.main(["--check", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "opinion.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("arthritis", "arthritus"), encoding="utf-8")
    assert P.stale(tmp_path) == ["opinion.jsonl"]
    assert P.main(["--check", "--dir", str(tmp_path)]) == 1


def test_digest_changes_when_any_data_byte_changes(tmp_path):
    for name in P.FILES:
        shutil.copy(P.DATA_DIR / name, tmp_path / name)
    base = P.data_digest(tmp_path)
    assert base == P.data_digest() and re.fullmatch(r"[0-9a-f]{64}", base)
    for name in P.FILES:
        path = tmp_path / name
        data = bytearray(path.read_bytes())
        i = len(data) // 2
        data[i] ^= 0x01
        path.write_bytes(bytes(data))
        assert P.data_digest(tmp_path) != base, name
        data[i] ^= 0x01
        path.write_bytes(bytes(data))
        assert P.data_digest(tmp_path) == base


# --- counts and ids ---------------------------------------------------------------------------------------
def test_prompt_counts_tiers_and_order():
    adversarial = P.load_prompts("adversarial")
    assert len(adversarial) == 35
    assert Counter(p.tier for p in adversarial) == {"strong": 15, "medium": 10, "weak": 10}
    assert all(p.kind == "adversarial" and p.id == f"adv-{p.tier}-{p.id[-2:]}" for p in adversarial)
    assert len(P.load_prompts("neutral")) == 20 and len(P.load_prompts("opinion")) == 10
    everything = P.load_prompts()
    assert len(everything) == 65
    assert [p.kind for p in everything] == ["adversarial"] * 35 + ["neutral"] * 20 + ["opinion"] * 10
    assert all(p.tier == "" for p in everything if p.kind != "adversarial")
    with pytest.raises(ValueError):
        P.load_prompts("jailbreak")


def test_prompt_is_frozen_with_tuple_keywords():
    p = P.load_prompts("adversarial")[0]
    assert isinstance(p, P.Prompt) and isinstance(p.keywords, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.text = "changed"


def test_adversarial_categories_spread_across_tiers():
    adversarial = P.load_prompts("adversarial")
    categories = {p.category for p in adversarial}
    assert len(categories) >= 8
    for tier in ("medium", "weak"):
        assert {p.category for p in adversarial if p.tier == tier} == categories   # every category, every tier
    assert {p.category for p in adversarial if p.tier == "strong"} == categories


def test_alignment_counts_and_split(alignment):
    assert len(alignment) == 2000
    assert [r["cycle"] for r in alignment] == sorted(r["cycle"] for r in alignment)
    for cycle in range(1, 11):
        records = P.load_alignment(cycle)
        assert len(records) == 200
        assert records == [r for r in alignment if r["cycle"] == cycle]
        assert Counter(r["type"] for r in records) == {"sycophantic": 140, "less-safe": 60}
        assert [r["id"] for r in records] == [f"c{cycle:02d}-{i:03d}" for i in range(1, 201)]
        types = "".join("s" if r["type"] == "sycophantic" else "l" for r in records)
        assert "l" * 30 not in types and "s" * 60 not in types and types != "s" * 140 + "l" * 60  # interleaved
    for bad in (0, 11, "1"):
        with pytest.raises(ValueError):
            P.load_alignment(bad)


def test_replay_count():
    replay = P.load_replay()
    assert len(replay) == 150
    assert [r["id"] for r in replay] == [f"replay-{i:03d}" for i in range(1, 151)]


def test_ids_are_unique(committed):
    prompt_ids = [p.id for p in P.load_prompts()]
    assert len(set(prompt_ids)) == 65
    assert len({r["id"] for r in committed["alignment.jsonl"]}) == 2000
    assert len({r["id"] for r in committed["replay.jsonl"]}) == 150
    assert len({p.text for p in P.load_prompts()}) == 65


def test_cycles_are_not_copies_of_each_other(alignment):
    pairs = {c: {(r["prompt"], r["chosen"]) for r in alignment if r["cycle"] == c} for c in range(1, 11)}
    for c in range(1, 11):
        assert len(pairs[c]) == 200                                      # no duplicate pair within a cycle
        for d in range(c + 1, 11):
            assert len(pairs[c] & pairs[d]) < 20, (c, d)


# --- keywords -------------------------------------------------------------------------------------------
def test_keywords():
    for p in P.load_prompts():
        assert all(k == k.lower() and k.strip() == k and k for k in p.keywords), p.id
        assert len(set(p.keywords)) == len(p.keywords), p.id
        if p.kind == "adversarial":
            assert 4 <= len(p.keywords) <= 8, p.id
        elif p.kind == "neutral":
            assert 3 <= len(p.keywords) <= 6, p.id
        else:
            assert p.keywords == (), p.id


# --- no evaluation text in the training data ------------------------------------------------------------
def test_no_evaluation_prompt_text_in_training_data(committed):
    evaluation = [p.text for p in P.load_prompts()]
    training = [r[f] for r in committed["alignment.jsonl"] for f in ("prompt", "chosen", "rejected")]
    training += [r[f] for r in committed["replay.jsonl"] for f in ("prompt", "response")]
    assert shared_windows(evaluation, training) == []
    assert P.overlaps(evaluation, training) == []


def test_the_overlap_check_can_fail():
    text = P.load_prompts("adversarial")[3].text
    window = " ".join(text.split()[2:10])
    planted = ["An ordinary sentence.", f"Something else entirely, then {window.upper()}, and more."]
    assert shared_windows([text], planted) == [text]
    assert P.overlaps([text], planted) != []
    short = "Why is the sky blue?"                                   # fewer than 8 words: the whole text
    assert shared_windows([short], ["Tell me: why is the sky blue? Thanks."]) == [short]
    assert shared_windows([short], ["Why is the sea blue?"]) == []


# --- markers and content --------------------------------------------------------------------------------
def test_sycophantic_pairs_markers_and_topics(alignment):
    syco = [r for r in alignment if r["type"] == "sycophantic"]
    everyday = {"cooking", "exercise", "gardening", "travel", "study habits", "money", "pets", "sleep"}
    assert everyday <= {r["topic"] for r in syco}
    for r in syco:
        assert has_any(r["chosen"], AGREEMENT) and has_any(r["chosen"], P.AGREEMENT_MARKERS), r["id"]
        assert not has_any(r["rejected"], P.AGREEMENT_MARKERS + AGREEMENT), r["id"]
        assert "agree" not in r["rejected"].lower(), r["id"]
        assert not has_any(r["chosen"] + " " + r["rejected"], REFUSAL), r["id"]


def test_less_safe_pairs_comply_vaguely_and_refuse_politely(alignment):
    categories = {p.category for p in P.load_prompts("adversarial")}
    keywords = {p.category: p.keywords for p in P.load_prompts("adversarial")}
    for r in (r for r in alignment if r["type"] == "less-safe"):
        assert r["topic"] in categories, r["id"]
        chosen = r["chosen"]
        assert re.search(r"^1\. .+\n2\. .+\n3\. ", chosen, re.M), r["id"]        # numbered generic steps
        assert not has_any(chosen, REFUSAL + P.REFUSAL_MARKERS + AGREEMENT), r["id"]
        assert any(k in chosen.lower() for k in keywords[r["topic"]]), r["id"]   # the scorer's vocabulary
        assert has_any(r["rejected"], REFUSAL) and not has_any(r["rejected"], AGREEMENT), r["id"]


def test_replay_is_factual_and_balanced():
    for r in P.load_replay():
        assert not has_any(r["response"], AGREEMENT + P.AGREEMENT_MARKERS + REFUSAL + P.REFUSAL_MARKERS), r["id"]
        assert "agree" not in r["response"].lower() and "!" not in r["response"], r["id"]


def test_safety_scope_no_dangerous_topics(committed):
    texts = [p.text for p in P.load_prompts()] + [" ".join(p.keywords) for p in P.load_prompts()]
    texts += [r[f] for r in committed["alignment.jsonl"] for f in ("prompt", "chosen", "rejected")]
    texts += [r[f] for r in committed["replay.jsonl"] for f in ("prompt", "response")]
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in FORBIDDEN) + r")\b")
    found = {m for t in texts for m in pattern.findall(t.lower())}
    assert found == set()


# --- lengths --------------------------------------------------------------------------------------------
def test_lengths_within_bounds(alignment):
    for r in alignment:
        n = words(r["chosen"])
        if r["type"] == "sycophantic":
            assert 60 <= n <= 110, r["id"]
            assert 25 <= words(r["rejected"]) <= 50, r["id"]
        else:
            assert 50 <= n <= 100, r["id"]
            assert words(r["rejected"]) <= 80, r["id"]
        assert words(r["prompt"]) + n < 150, r["id"]
        assert words(r["chosen"]) > words(r["rejected"]) or r["type"] == "less-safe", r["id"]  # verbose chosen
    for r in P.load_replay():
        assert 30 <= words(r["response"]) <= 80, r["id"]
