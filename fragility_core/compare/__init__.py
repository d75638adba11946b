"""The comparison layer: published values and verdicts, claims, summary tables, page helpers."""
