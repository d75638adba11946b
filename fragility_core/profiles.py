"""Run profiles: ``paper`` is the published protocol exactly; the others are labelled previews."""
from __future__ import annotations

import math
from dataclasses import dataclass

from fragility_core.validate import check_choice


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    data_fraction: float = 1.0   # scales the 12,000 / 4,000 / 2,000 sample sets
    epoch_fraction: float = 1.0  # scales every training length (at least one epoch)
    is_paper: bool = False

    def epochs(self, published: int) -> int:
        """The number of epochs this profile runs where the volume prescribes ``published``."""
        if published == 0 or self.epoch_fraction == 1.0:
            return published
        return max(1, math.ceil(published * self.epoch_fraction))

    def samples(self, published: int) -> int:
        return published if self.data_fraction == 1.0 else max(64, math.ceil(published * self.data_fraction))


PROFILES = {
    "paper": Profile("paper", "the published protocol exactly", is_paper=True),
    "quick": Profile("quick", "full data, a quarter of every training length", epoch_fraction=0.25),
    "smoke": Profile("smoke", "a tenth of the data, a tenth of every training length; for CI", 0.1, 0.1),
}


def get_profile(name: str | Profile) -> Profile:
    if isinstance(name, Profile):
        return name
    return PROFILES[check_choice("profile", name, PROFILES)]
