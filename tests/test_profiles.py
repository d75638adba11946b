"""Profiles: `paper` is the published protocol unchanged; previews scale every length and size, never to zero."""
import dataclasses

import pytest

from fragility_core.chapters import CHAPTERS, reproduced_chapters
from fragility_core.chapters import ch03, ch07, ch08
from fragility_core.profiles import PROFILES, Profile, get_profile
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


@pytest.mark.parametrize("chapter", [c.key for c in reproduced_chapters()])
def test_paper_is_the_default_profile_and_scales_nothing(chapter, monkeypatch):
    """The paper protocol equals the one built with every profile scaling switched off."""
    c = CHAPTERS[chapter]
    assert c.profiles[0] == "paper"
    paper = c.protocol("paper", c.default_seeds)
    monkeypatch.setattr(Profile, "epochs", lambda self, published: published)
    monkeypatch.setattr(Profile, "samples", lambda self, published: published)
    assert c.protocol("paper", c.default_seeds) == paper
    # with scaling off a preview is the paper protocol under another name: scaling is all a profile changes
    assert c.protocol("smoke", c.default_seeds) == with_profile(paper, "smoke")


@pytest.mark.parametrize("name", ["quick", "smoke"])
@pytest.mark.parametrize("chapter", [c.key for c in reproduced_chapters()])
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
    for c in reproduced_chapters():
        assert set(c.profiles) == set(PROFILES)
        with pytest.raises(ValueError, match="profile"):
            c.protocol("fast", c.default_seeds)
