"""A chapter's claims as checkable predicates on our numbers (orderings and directions, no published values)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str  # the volume's claim, in our words
    holds: bool
    evidence: str   # our numbers that decide it

    def row(self) -> dict:
        return {"claim": self.id, "statement": self.statement, "our evidence": self.evidence,
                "verdict": "holds" if self.holds else "does not hold"}


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    return pd.DataFrame([c.row() for c in claims])


def verdicts_under(claims, readings: dict[str, dict], only=None) -> pd.DataFrame:
    """Every claim's verdict (``claims(results)``) under each reading's results, one column per reading, and
    whether any reading changes it; ``only``: these claims (in this order)."""
    columns = {}
    for name, results in readings.items():
        verdict = claims(results).set_index("claim")["verdict"]
        columns[name] = verdict if only is None else verdict.loc[list(only)]
    df = pd.DataFrame(columns)
    df["changes"] = df.nunique(axis=1) > 1
    return df.reset_index()


def decreasing(values: list[float]) -> bool:
    return all(a > b for a, b in zip(values, values[1:]))


def fmt(values: list[float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)
