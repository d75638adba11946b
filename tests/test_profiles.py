"""Profiles: `paper` is the published protocol unchanged; previews scale every length and size, never to zero."""
import dataclasses
import math

import pytest

from fragility_core.chapters import CHAPTERS, reproduced_chapters
from fragility_core.chapters import ch03, ch07, ch08, ch10
from fragility_core.profiles import PROFILES, Profile, get_profile
from fragility_core.science.data import TaskSpec
from fragility_core.science.kindling import Kindling
from fragility_core.science.protocol import Protocol
from fragility_core.science.training import TrainSpec


def train_specs(obj, path="protocol"):
    """Every TrainSpec inside a (nested) protocol dataclass, with its path."""
    if isinstance(obj, TrainSpec):
        yield path, obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from train_specs(getattr(obj, f.name), f"{path}.{f.name}")


def with_profile(protocol, name: str):
    """``protocol`` renamed to profile ``name``: a chapter's own protocol may nest the shared :class:`Protocol`."""
    if isinstance(protocol, Protocol):
        return dataclasses.replace(protocol, profile=name)
    return dataclasses.replace(protocol, **{f.name: with_profile(getattr(protocol, f.name), name)
                                            for f in dataclasses.fields(protocol)
                                            if isinstance(getattr(protocol, f.name), Protocol)})


def shared_protocol(protocol) -> Protocol:
    return protocol if isinstance(protocol, Protocol) else next(
        v for v in vars(protocol).values() if isinstance(v, Protocol))


def epoch_chapters() -> list[str]:
    """The chapters whose protocols train networks by epochs (TrainSpec): all but the language model's."""
    return [c.key for c in reproduced_chapters() if dict(train_specs(c.protocol("paper", c.default_seeds)))]


@pytest.mark.parametrize("chapter", epoch_chapters())
def test_paper_is_the_default_profile_and_scales_nothing(chapter, monkeypatch):
    """The paper protocol equals the one built with every profile scaling switched off. Every chapter has it; it
    is the default (book) profile unless the chapter's first profile is one it defines itself (chapter 10: cpu)."""
    c = CHAPTERS[chapter]
    assert "paper" in c.profiles
    assert c.profiles[0] == "paper" or c.profiles[0] in {p.name for p in c.own_profiles}
    paper = c.protocol("paper", c.default_seeds)
    monkeypatch.setattr(Profile, "epochs", lambda self, published: published)
    monkeypatch.setattr(Profile, "samples", lambda self, published: published)
    assert c.protocol("paper", c.default_seeds) == paper
    # with scaling off a preview is the paper protocol under another name: scaling is all a profile changes
    assert c.protocol("smoke", c.default_seeds) == with_profile(paper, "smoke")


@pytest.mark.parametrize("name", ["quick", "smoke"])
@pytest.mark.parametrize("chapter", epoch_chapters())
def test_previews_scale_every_training_length_and_keep_at_least_one_epoch(chapter, name):
    c = CHAPTERS[chapter]
    prof = get_profile(name)
    paper = dict(train_specs(c.protocol("paper", c.default_seeds)))
    preview = dict(train_specs(c.protocol(name, c.default_seeds)))
    assert paper.keys() == preview.keys() and paper
    for path, spec in paper.items():
        expected = 0 if spec.epochs == 0 else max(1, -(-spec.epochs * prof.epoch_fraction // 1))
        assert preview[path].epochs == expected, path
        assert preview[path].lr == spec.lr   # only lengths change
    task = shared_protocol(c.protocol(name, c.default_seeds)).task
    assert task.n_train == max(64, -(-Protocol().task.n_train * prof.data_fraction // 1))


def test_chapter_checkpoints_and_durations_follow_the_profile():
    smoke = Protocol.for_profile("smoke")
    assert ch03.checkpoints(Protocol.for_profile("paper")) == ch03.CONSOLIDATION_EPOCHS
    assert ch03.checkpoints(smoke) == (0, 1, 1, 2, 2)   # ceil(0.1 · e), zero stays zero
    quick = ch07.protocol("quick", (0,))
    assert [end for _, _, end, _ in ch07.segments(_stages(quick))] == [
        max(1, -(-d // 4)) for d in ch07.COURSE.durations]


def test_ch08_durations_kindling_and_trigger_follow_the_profile():
    quick, smoke = ch08.protocol("quick", (0,)), ch08.protocol("smoke", (0,))
    assert [end for _, _, end, _ in ch08.segments(_stages(quick.acute), quick)] == [
        max(1, -(-d // 4)) for d in quick.course.durations]
    assert quick.kindling.maintenance.epochs == 5 and smoke.kindling.maintenance.epochs == 2
    # the trigger is an evaluation: its batch count follows the data, not the training lengths
    assert ch08.protocol("paper", (0,)).kindling.trigger_batches == quick.kindling.trigger_batches == 250
    assert smoke.kindling.trigger_batches == 25


def _stages(protocol):
    from fragility_core.science.stages import Stages

    class Plan:  # a store stand-in: segments() only reads configs
        device = "cpu"
    return Stages(Plan(), protocol, progress=False)


def test_every_profile_is_known_to_every_reproduced_chapter():
    """Every shared profile is a profile of every chapter; a chapter's other names are exactly its own profiles."""
    for c in reproduced_chapters():
        own = [p.name for p in c.own_profiles]
        assert all(isinstance(p, Profile) for p in c.own_profiles), c.key
        assert len(set(c.profiles)) == len(c.profiles) and len(set(own)) == len(own), c.key
        assert set(PROFILES) <= set(c.profiles), c.key
        assert set(c.profiles) - set(PROFILES) == set(own), c.key
        assert not set(own) & set(PROFILES), c.key   # an own profile never redefines a shared one
        for name in c.profiles:
            c.protocol(name, c.default_seeds)
        with pytest.raises(ValueError, match="profile"):
            c.protocol("fast", c.default_seeds)


# ------------------------------------------------------------------------------------------------------------------
# Chapter 10: the cpu profile (its book profile) and the previews

def test_ch10_cpu_profile_reduces_only_what_it_says():
    """cpu = paper with a quarter of the data (trigger tests included) and a tenth of the low-lr phases; nothing
    else (baseline, treatments, thresholds, rates, seeds, backbone, adversity) changes."""
    seeds = ch10.CHAPTER.default_seeds
    assert ch10.CHAPTER.profiles == ("cpu", "paper", "quick", "smoke")
    assert ch10.CHAPTER.own_profiles == (ch10.CPU,) and ch10.CPU.name == "cpu"
    paper, cpu = ch10.protocol("paper", seeds), ch10.protocol("cpu", seeds)
    # the paper protocol is the published one
    assert paper.acute.task == TaskSpec() and (TaskSpec().n_train, TaskSpec().n_standard) == (12_000, 4_000)
    assert paper.kindling == Kindling(severity_floor=0.0)
    assert paper.kindling.maintenance.epochs == 20 and paper.kindling.trigger_batches == 250
    assert paper.maintenance_epochs == paper.course.durations == (25, 50, 100, 150, 200, 300)
    expected = dataclasses.replace(
        paper,
        acute=dataclasses.replace(paper.acute, profile="cpu", task=dataclasses.replace(
            paper.acute.task, n_train=3_000, n_standard=1_000, n_clean=500)),
        kindling=dataclasses.replace(paper.kindling, trigger_batches=62, maintenance=dataclasses.replace(
            paper.kindling.maintenance, epochs=2)),
        maintenance_epochs=(3, 5, 10, 15, 20, 30))
    assert cpu == expected
    assert cpu.acute.seeds == seeds and len(seeds) == 10


def test_ch10_protocol_rejects_an_unknown_profile():
    for name in ("gpu", "CPU", ""):
        with pytest.raises(ValueError, match="profile"):
            ch10.protocol(name, (0,))


def test_ch10_durations_kindling_and_trigger_follow_the_profile():
    quick, smoke = ch10.protocol("quick", (0,)), ch10.protocol("smoke", (0,))
    durations = ch10.Discontinuation().durations
    for p, fraction in ((quick, 0.25), (smoke, 0.1)):
        assert p.course.durations == durations   # the published lengths name the cuts; only the run lengths scale
        assert p.maintenance_epochs == tuple(max(1, math.ceil(d * fraction)) for d in durations)
        assert [(d, end) for d, _, end, _ in ch10.segments(p)] == list(zip(durations, p.maintenance_epochs))
    assert quick.kindling.maintenance.epochs == 5 and smoke.kindling.maintenance.epochs == 2
    # the trigger is an evaluation: its batch count follows the data, not the training lengths
    assert ch10.protocol("paper", (0,)).kindling.trigger_batches == quick.kindling.trigger_batches == 250
    assert smoke.kindling.trigger_batches == 25
