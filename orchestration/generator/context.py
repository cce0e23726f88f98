"""What every writer needs: output sinks, truth, the shared random stream, the practice, the horizon."""

from __future__ import annotations

import random
from dataclasses import dataclass

from orchestration.generator.clock import local
from orchestration.generator.episodes import EpisodeMaker
from orchestration.generator.file_sinks import Sinks
from orchestration.generator.people import Person
from orchestration.generator.practice import Practice
from orchestration.generator.truth import Truth


@dataclass
class Ctx:
    sinks: Sinks
    truth: Truth
    rng: random.Random
    practice: Practice
    maker: EpisodeMaker
    horizon: float  # export time: nothing after it exists in the inbox
    domain: str  # the practice's web domain
    last_mrn: int = 200000

    def mrn_for(self, person: Person) -> str:
        """The practice EMR's medical record number, assigned on first registration."""
        if person.mrn is None:
            self.last_mrn += 1
            person.mrn = str(self.last_mrn)
        return person.mrn

    def uuid(self) -> str:
        return self.maker.uuid()

    def month(self, ts: float) -> str:
        """Export files roll monthly in the practice's home time zone."""
        dt = local(ts, self.practice.home_tz)
        return f"{dt.year}-{dt.month:02d}"  # f-string: strftime dominated the profile

    def hexid(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"
