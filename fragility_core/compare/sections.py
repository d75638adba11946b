"""Where a line of the volume's text lies, as a reader of the volume can find it: chapter, section, subsection
and printed table ("chapter 5, Results, Table 3"), never a line number (a reader does not have our text file).

:data:`SECTIONS` was derived once from the headings and table captions of the volume's text by :func:`derive`
(kept here so the derivation can be checked against the text where the text is available); each entry is
``(first line, chapter, section, subsection, table)`` and holds until the next entry.
"""
from __future__ import annotations

import bisect
import re

_MAIN = ("Abstract", "Introduction", "Methods", "Results", "Discussion", "References")
_CAPTION = re.compile(r"^\*+\s*Table (\d+)")
_HEADING = re.compile(r"^(#{2,6})\s*(.*)$")


def _clean(heading: str) -> str:
    heading = re.sub(r"\{#[^}]*\}", "", heading)
    heading = re.sub(r"[*_\\]", "", heading).replace("--", "–")
    return heading.strip().rstrip(":").strip()


def derive(lines: list[str], chapter_starts: dict[int, int]) -> list[tuple[int, int, str, str, str]]:
    """``(first line, chapter, section, subsection, table)`` runs of the volume's text (1-based lines).

    ``chapter_starts`` maps each chapter's first line to its number. A table runs from its caption through its
    body (pipe, grid or HTML table); a paragraph opening with "Note" right after it is the table's note."""
    out: list[tuple[int, int, str, str, str]] = []
    ch, sec, sub, table = 0, "", "", ""
    in_table = in_html = body = note = False
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if i in chapter_starts:
            ch, sec, sub, table = chapter_starts[i], "", "", ""
            in_table = in_html = body = note = False
        m = _HEADING.match(line)
        caption = _CAPTION.match(s)
        if ch and m:
            level, h = len(m.group(1)), _clean(m.group(2))
            if level == 2 and h in _MAIN:
                sec, sub = h, ""
            elif h:
                sub = h
            table, in_table, in_html, note = "", False, False, False
        elif ch and s == "Conclusion":
            sub, table, in_table, note = "Conclusion", "", False, False
        elif ch and caption:
            table, in_table, in_html, body, note = f"Table {caption.group(1)}", True, False, False, False
        elif note:
            if not s:
                table, note = "", False
        elif in_table:
            if in_html:
                in_html = "</table>" not in s
            elif s.startswith("<table"):
                body, in_html = True, "</table>" not in s
            elif s.startswith(("|", "+")):
                body = True
            elif s and body:
                in_table = False
                if re.match(r"^[*_]*Note", s):
                    table, note = f"{table} note", True
                else:
                    table = ""
        if not out or out[-1][1:] != (ch, sec, sub, table):
            out.append((i, ch, sec, sub, table))
    return out


def where(line: int, chapter: int | None = None) -> str:
    """A reader's address for a line of the volume: "Results, Table 2", "Methods, “Network architecture”",
    "Abstract"; prefixed by "chapter N, " unless the line lies in ``chapter``."""
    i = bisect.bisect_right(_STARTS, int(line)) - 1
    if i < 0 or SECTIONS[i][1] == 0:
        return "the volume's front matter"
    _, ch, sec, sub, table = SECTIONS[i]
    if table.endswith(" note"):
        place = f"{sec}, note under {table[:-5]}"
    elif table:
        place = f"{sec}, {table}"
    elif sub:
        place = f"{sec}, “{sub}”" if sec else f"“{sub}”"
    else:
        place = sec or "the title"
    return place if chapter == ch else f"chapter {ch}, {place}"


_LINES = re.compile(
    r"(?:\b(?P<word>abstract|Abstract|Methods|Results|Discussion|Introduction|prose|text)\s+)?"
    r"(?P<prep>\b(?:at|in|on)\s+)?(?:lines?\s+|l\.\s?)(?P<a>\d+)(?:\s*[-–]\s*(?:l\.\s?)?(?P<b>\d+))?")


def readable(note: str, chapter: int | None = None) -> str:
    """``note`` with every reference to a line of our text file ("Methods l.801", "l.1663-1664") replaced by the
    section of the volume it lies in, which a reader can find."""
    def repl(m: re.Match) -> str:
        place = where(int(m.group("a")), chapter)
        word = m.group("word") or ""
        if word and place.lower().startswith(word.lower()):
            return place                                   # "Methods l.801" -> "Methods, “Network architecture”"
        if word:
            return f"{word} ({place})"                     # "prose l.1942" -> "prose (Results, …)"
        return ("in " if m.group("prep") else "") + place
    return _LINES.sub(repl, note)


# derived by derive() from the volume's text (see tests/test_page_tables.py)
SECTIONS: tuple[tuple[int, int, str, str, str], ...] = (
    (1, 0, '', '', ''),
    (652, 1, '', '', ''),
    (663, 1, 'Abstract', '', ''),
    (698, 1, 'Introduction', '', ''),
    (762, 1, 'Methods', '', ''),
    (764, 1, 'Methods', 'Computational simulation of synaptic pruning and plasticity restoration', ''),
    (775, 1, 'Methods', 'Task and data generation', ''),
    (786, 1, 'Methods', 'Network architecture', ''),
    (804, 1, 'Methods', 'Baseline training', ''),
    (809, 1, 'Methods', 'Pruning protocol', ''),
    (817, 1, 'Methods', 'Performance assessment', ''),
    (832, 1, 'Methods', 'Plasticity-restoration phase', ''),
    (840, 1, 'Methods', 'Sparsity-threshold sweep', ''),
    (849, 1, 'Results', '', ''),
    (851, 1, 'Results', 'Baseline network performance', ''),
    (861, 1, 'Results', 'Impact of large-scale pruning', ''),
    (872, 1, 'Results', 'Functional recovery after simulated plasticity', ''),
    (884, 1, 'Results', 'Consolidated metrics', ''),
    (886, 1, 'Results', 'Consolidated metrics', 'Table 1'),
    (938, 1, 'Results', 'Consolidated metrics', ''),
    (946, 1, 'Discussion', '', ''),
    (948, 1, 'Discussion', 'Interpretation of results', ''),
    (1012, 1, 'Discussion', 'Novelty and distinctiveness of the present model', ''),
    (1034, 1, 'Discussion', 'Potential impact and translational implications', ''),
    (1065, 1, 'Discussion', 'Limitations', ''),
    (1078, 1, 'Discussion', 'Conclusion', ''),
    (1089, 1, 'References', '', ''),
    (1118, 2, '', '', ''),
    (1131, 2, 'Abstract', '', ''),
    (1173, 2, 'Introduction', '', ''),
    (1226, 2, 'Methods', '', ''),
    (1228, 2, 'Methods', 'Computational environment and reproducibility', ''),
    (1237, 2, 'Methods', 'Task and dataset', ''),
    (1250, 2, 'Methods', 'Network architecture', ''),
    (1258, 2, 'Methods', 'Baseline training', ''),
    (1264, 2, 'Methods', 'Pruning procedure', ''),
    (1273, 2, 'Methods', 'Plasticity restoration', ''),
    (1286, 2, 'Methods', 'Stress tests and evaluation', ''),
    (1312, 2, 'Results', '', ''),
    (1314, 2, 'Results', 'Baseline performance', ''),
    (1327, 2, 'Results', 'Consequences of 95 percent pruning', ''),
    (1341, 2, 'Results', 'Recovery through gradient-guided regrowth', ''),
    (1358, 2, 'Results', 'Random versus targeted regrowth', ''),
    (1367, 2, 'Results', 'Sparsity threshold', ''),
    (1380, 2, 'Discussion', '', ''),
    (1382, 2, 'Discussion', 'Interpretation of Results', ''),
    (1428, 2, 'Discussion', 'New Insights from the Improved Model', ''),
    (1445, 2, 'Discussion', 'Implications for the Pruning-Mediated Plasticity Deficit Hypothesis', ''),
    (1489, 2, 'Discussion', 'Novelty of the Present Model', ''),
    (1530, 2, 'Discussion', 'Potential Impact and Translational Implications', ''),
    (1551, 2, 'Discussion', 'Limitations', ''),
    (1566, 2, 'Discussion', 'Conclusion', ''),
    (1581, 2, 'References', '', ''),
    (1623, 3, '', '', ''),
    (1634, 3, 'Abstract', '', ''),
    (1684, 3, 'Introduction', '', ''),
    (1740, 3, 'Methods', '', ''),
    (1742, 3, 'Methods', 'Part A: The Pruning-plasticity Model considering Treatment Duration', ''),
    (1788, 3, 'Methods', 'Part B: The Iterative synaptogenesis protocol', ''),
    (1833, 3, 'Results', '', ''),
    (1835, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', ''),
    (1850, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', 'Table 1'),
    (1940, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', ''),
    (1960, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', 'Table 2'),
    (2037, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', 'Table 2 note'),
    (2040, 3, 'Results', 'Part A: Effects of Treatment Duration on Synaptic Consolidation and Relapse Vulnerability', ''),
    (2057, 3, 'Results', 'Part B: Outcomes of Chronic versus Acute Synaptogenesis Protocols', ''),
    (2116, 3, 'Discussion', '', ''),
    (2118, 3, 'Discussion', 'Interpretation of Results', ''),
    (2170, 3, 'Discussion', 'Novelty of the Present Model', ''),
    (2191, 3, 'Discussion', 'Impactfulness and Translational Implications', ''),
    (2213, 3, 'Discussion', 'Limitations', ''),
    (2227, 3, 'Discussion', 'Conclusion', ''),
    (2242, 3, 'References', '', ''),
    (2303, 4, '', '', ''),
    (2316, 4, 'Abstract', '', ''),
    (2358, 4, 'Introduction', '', ''),
    (2404, 4, 'Methods', '', ''),
    (2406, 4, 'Methods', 'Network architecture and task', ''),
    (2438, 4, 'Methods', 'Baseline training and pruning', ''),
    (2447, 4, 'Methods', 'Treatment protocols', ''),
    (2491, 4, 'Methods', 'Evaluation and stress tests', ''),
    (2499, 4, 'Methods', 'Reproducibility', ''),
    (2505, 4, 'Results', '', ''),
    (2507, 4, 'Results', 'Baseline performance of the pruned network', ''),
    (2518, 4, 'Results', 'Effects of ketamine-like treatment', ''),
    (2528, 4, 'Results', 'Effects of SSRI-like treatment', ''),
    (2538, 4, 'Results', 'Effects of neurosteroid-like treatment', ''),
    (2551, 4, 'Results', 'Comparative summary', ''),
    (2563, 4, 'Results', 'Comparative summary', 'Table 1'),
    (2648, 4, 'Results', 'Comparative summary', 'Table 2'),
    (2711, 4, 'Discussion', '', ''),
    (2713, 4, 'Discussion', 'Interpretation of results', ''),
    (2780, 4, 'Discussion', 'Novelty and translational impact', ''),
    (2831, 4, 'Discussion', 'Limitations', ''),
    (2846, 4, 'Discussion', 'Conclusion', ''),
    (2858, 4, 'References', '', ''),
    (2905, 5, '', '', ''),
    (2917, 5, 'Abstract', '', ''),
    (2956, 5, 'Introduction', '', ''),
    (3008, 5, 'Methods', '', ''),
    (3010, 5, 'Methods', 'Network architecture and task', ''),
    (3053, 5, 'Methods', 'Simulation of depression', ''),
    (3078, 5, 'Methods', 'Antidepressant intervention protocols', ''),
    (3099, 5, 'Methods', 'Outcome measures', ''),
    (3135, 5, 'Methods', 'Data analysis', ''),
    (3142, 5, 'Results', '', ''),
    (3148, 5, 'Results', 'Antidepressant efficacy', ''),
    (3159, 5, 'Results', 'Stress resilience', ''),
    (3161, 5, 'Results', 'Stress resilience', 'Table 1'),
    (3171, 5, 'Results', 'Stress resilience', ''),
    (3182, 5, 'Results', 'Manic conversion risk', ''),
    (3184, 5, 'Results', 'Manic conversion risk', 'Table 2'),
    (3194, 5, 'Results', 'Manic conversion risk', 'Table 2 note'),
    (3197, 5, 'Results', 'Manic conversion risk', ''),
    (3211, 5, 'Results', 'Relapse vulnerability and medication dependence', ''),
    (3213, 5, 'Results', 'Relapse vulnerability and medication dependence', 'Table 3'),
    (3225, 5, 'Results', 'Relapse vulnerability and medication dependence', ''),
    (3238, 5, 'Discussion', '', ''),
    (3240, 5, 'Discussion', 'Interpretation of efficacy and resilience findings', ''),
    (3268, 5, 'Discussion', 'Manic conversion risk and clinical parallels', ''),
    (3309, 5, 'Discussion', 'Novelty and translational impact', ''),
    (3352, 5, 'Discussion', 'Limitations', ''),
    (3369, 5, 'Discussion', 'Conclusion', ''),
    (3381, 5, 'References', '', ''),
    (3453, 6, '', '', ''),
    (3464, 6, 'Abstract', '', ''),
    (3502, 6, 'Introduction', '', ''),
    (3552, 6, 'Methods', '', ''),
    (3554, 6, 'Methods', 'Network architecture and classification task', ''),
    (3571, 6, 'Methods', 'Baseline training and pruning', ''),
    (3594, 6, 'Methods', 'Antidepressant treatment protocols', ''),
    (3614, 6, 'Methods', 'Evaluation metrics', ''),
    (3625, 6, 'Methods', 'Long-term relapse under chronic stress', ''),
    (3653, 6, 'Methods', 'Reproducibility and statistics', ''),
    (3661, 6, 'Results', '', ''),
    (3663, 6, 'Results', 'Post-treatment recovery and baseline efficacy', ''),
    (3665, 6, 'Results', 'Post-treatment recovery and baseline efficacy', 'Table 1'),
    (3674, 6, 'Results', 'Post-treatment recovery and baseline efficacy', ''),
    (3687, 6, 'Results', 'Resilience to graded internal stress', ''),
    (3689, 6, 'Results', 'Resilience to graded internal stress', 'Table 2'),
    (3698, 6, 'Results', 'Resilience to graded internal stress', ''),
    (3706, 6, 'Results', 'Acute relapse vulnerability', ''),
    (3714, 6, 'Results', 'Neurosteroid state-dependence', ''),
    (3722, 6, 'Results', 'Longitudinal trajectories under chronic stress', ''),
    (3734, 6, 'Results', 'Longitudinal trajectories under chronic stress', 'Table 3'),
    (3748, 6, 'Results', 'Long-term relapse risk', ''),
    (3750, 6, 'Results', 'Long-term relapse risk', 'Table 4'),
    (3760, 6, 'Results', 'Long-term relapse risk', ''),
    (3774, 6, 'Discussion', '', ''),
    (3776, 6, 'Discussion', 'Interpretation of results', ''),
    (3844, 6, 'Discussion', 'Clinical decision-making and personalised sequencing', ''),
    (3889, 6, 'Discussion', 'Novelty and translational potential', ''),
    (3936, 6, 'Discussion', 'Limitations', ''),
    (3955, 6, 'Discussion', 'Conclusion', ''),
    (3966, 6, 'References', '', ''),
    (4030, 7, '', '', ''),
    (4041, 7, 'Abstract', '', ''),
    (4085, 7, 'Introduction', '', ''),
    (4141, 7, 'Methods', '', ''),
    (4143, 7, 'Methods', 'Network architecture and classification task', ''),
    (4192, 7, 'Methods', 'Simulation of the depressive state', ''),
    (4202, 7, 'Methods', 'Antidepressant treatment protocols', ''),
    (4222, 7, 'Methods', 'Mood-stabiliser extension and longitudinal relapse test', ''),
    (4235, 7, 'Methods', 'Outcome measures', ''),
    (4249, 7, 'Results', '', ''),
    (4256, 7, 'Results', 'Acute antidepressant efficacy', ''),
    (4270, 7, 'Results', 'Acute antidepressant efficacy', 'Table 1'),
    (4279, 7, 'Results', 'Stress resilience', ''),
    (4281, 7, 'Results', 'Stress resilience', 'Table 2'),
    (4290, 7, 'Results', 'Stress resilience', ''),
    (4302, 7, 'Results', 'Manic conversion risk', ''),
    (4304, 7, 'Results', 'Manic conversion risk', 'Table 3'),
    (4313, 7, 'Results', 'Manic conversion risk', 'Table 3 note'),
    (4316, 7, 'Results', 'Manic conversion risk', ''),
    (4330, 7, 'Results', 'Acute relapse vulnerability', ''),
    (4339, 7, 'Results', 'Neurosteroid medication dependence', ''),
    (4349, 7, 'Results', 'Longitudinal manic relapse after discontinuation', ''),
    (4356, 7, 'Results', 'Longitudinal manic relapse after discontinuation', 'Table 4'),
    (4368, 7, 'Results', 'Longitudinal manic relapse after discontinuation', ''),
    (4383, 7, 'Discussion', '', ''),
    (4385, 7, 'Discussion', 'Interpretation of acute and resilience findings', ''),
    (4408, 7, 'Discussion', 'Manic conversion risk and excitability balance', ''),
    (4427, 7, 'Discussion', 'Long-term stability after discontinuation', ''),
    (4445, 7, 'Discussion', 'Implications for clinical judgment and treatment selection', ''),
    (4548, 7, 'Discussion', 'Implications for clinical judgment and treatment selection', 'Table 5'),
    (4555, 7, 'Discussion', 'Implications for clinical judgment and treatment selection', ''),
    (4557, 7, 'Discussion', 'Novelty and potential impact', ''),
    (4601, 7, 'Discussion', 'Limitations', ''),
    (4617, 7, 'Discussion', 'Conclusion', ''),
    (4630, 7, 'References', '', ''),
    (4707, 8, '', '', ''),
    (4717, 8, 'Abstract', '', ''),
    (4757, 8, 'Introduction', '', ''),
    (4804, 8, 'Methods', '', ''),
    (4806, 8, 'Methods', 'Network architecture and classification task', ''),
    (4822, 8, 'Methods', 'Baseline training, pruning, and simulated early adversity', ''),
    (4832, 8, 'Methods', 'Treatment routines', ''),
    (4859, 8, 'Methods', 'Acute testing', ''),
    (4868, 8, 'Methods', 'Maintenance phase and drug withdrawal', ''),
    (4881, 8, 'Methods', 'Multi-cycle kindling with irreversible scarring', ''),
    (4937, 8, 'Methods', 'Statistical strategy', ''),
    (4945, 8, 'Results', '', ''),
    (4947, 8, 'Results', 'Acute treatment efficacy and network performance', ''),
    (4960, 8, 'Results', 'Acute treatment efficacy and network performance', 'Table 1'),
    (4970, 8, 'Results', 'Manic conversion risk', ''),
    (4981, 8, 'Results', 'Manic conversion risk', 'Table 2'),
    (4991, 8, 'Results', 'Acute relapse vulnerability', ''),
    (4999, 8, 'Results', 'Long-term relapse after discontinuation', ''),
    (5009, 8, 'Results', 'Kindling and progressive scarring', ''),
    (5018, 8, 'Results', 'Kindling and progressive scarring', 'Table 3'),
    (5026, 8, 'Results', 'Kindling and progressive scarring', 'Table 4'),
    (5035, 8, 'Results', 'Kindling and progressive scarring', ''),
    (5080, 8, 'Results', 'Neurosteroid medication dependence', ''),
    (5090, 8, 'Discussion', '', ''),
    (5092, 8, 'Discussion', 'Clinical meaning of the acute findings', ''),
    (5113, 8, 'Discussion', 'Discontinuation versus durability', ''),
    (5126, 8, 'Discussion', 'Kindling, scarring, and mechanism-specific trajectories', ''),
    (5138, 8, 'Discussion', 'SSRI-like progression – a textbook sensitisation curve', ''),
    (5151, 8, 'Discussion', 'Neurosteroid-like progression – early frailty, late stability', ''),
    (5166, 8, 'Discussion', 'Ketamine-like progression – high scarring yet rising resilience', ''),
    (5191, 8, 'Discussion', 'Clinical implications for treatment selection and risk management', ''),
    (5218, 8, 'Discussion', 'Clinical implications for treatment selection and risk management', 'Table 5'),
    (5318, 8, 'Discussion', 'Clinical implications for treatment selection and risk management', ''),
    (5338, 8, 'Discussion', 'Novelty, potential impact, and caveats', ''),
    (5400, 8, 'Discussion', 'Concluding remarks', ''),
    (5412, 8, 'References', '', ''),
    (5504, 9, '', '', ''),
    (5517, 9, 'Abstract', '', ''),
    (5555, 9, 'Introduction', '', ''),
    (5609, 9, 'Methods', '', ''),
    (5611, 9, 'Methods', 'Model architecture and initialisation', ''),
    (5623, 9, 'Methods', 'Experimental design', ''),
    (5638, 9, 'Methods', 'Alignment data', ''),
    (5651, 9, 'Methods', 'Dynamic sparsity and regrowth', ''),
    (5666, 9, 'Methods', 'Evaluation material', ''),
    (5675, 9, 'Methods', 'Outcome scoring', ''),
    (5685, 9, 'Methods', 'Statistical notes and reproducibility', ''),
    (5708, 9, 'Results', '', ''),
    (5710, 9, 'Results', 'Progressive sensitisation in the baseline condition', ''),
    (5724, 9, 'Results', 'Effects of continuous regrowth', ''),
    (5737, 9, 'Results', 'Effects of continuous regrowth', 'Table 1'),
    (5754, 9, 'Results', 'Effects of continuous regrowth', 'Table 1 note'),
    (5756, 9, 'Results', 'Effects of continuous regrowth', ''),
    (5757, 9, 'Results', 'Impact of early intervention', ''),
    (5769, 9, 'Results', 'Neutral-prompt behaviour across conditions', ''),
    (5786, 9, 'Results', 'Neutral-prompt behaviour across conditions', 'Table 2'),
    (5804, 9, 'Results', 'Neutral-prompt behaviour across conditions', 'Table 2 note'),
    (5806, 9, 'Results', 'Neutral-prompt behaviour across conditions', ''),
    (5807, 9, 'Discussion', '', ''),
    (5809, 9, 'Discussion', 'Interpretation of progressive sensitisation and mitigation effects', ''),
    (5847, 9, 'Discussion', 'Implications for psychiatric understanding and treatment', ''),
    (5890, 9, 'Discussion', 'Novelty and potential impact from a machine-learning perspective', ''),
    (5936, 9, 'Discussion', 'Limitations', ''),
    (5951, 9, 'Discussion', 'Conclusion', ''),
    (5961, 9, 'References', '', ''),
    (6042, 10, '', '', ''),
    (6054, 10, 'Abstract', '', ''),
    (6096, 10, 'Introduction', '', ''),
    (6137, 10, 'Methods', '', ''),
    (6139, 10, 'Methods', 'Network design and software environment', ''),
    (6152, 10, 'Methods', 'Data set and baseline training', ''),
    (6181, 10, 'Methods', 'Pharmacological analogues', ''),
    (6200, 10, 'Methods', 'Acute and robustness assessments', ''),
    (6208, 10, 'Methods', 'Long-term relapse protocol', ''),
    (6236, 10, 'Methods', 'Kindling simulation', ''),
    (6249, 10, 'Methods', 'Statistical safeguards', ''),
    (6256, 10, 'Results', '', ''),
    (6258, 10, 'Results', 'Acute treatment efficacy and structural change', ''),
    (6279, 10, 'Results', 'Acute treatment efficacy and structural change', 'Table 1'),
    (6288, 10, 'Results', 'Manic-conversion probes', ''),
    (6290, 10, 'Results', 'Manic-conversion probes', 'Table 2'),
    (6299, 10, 'Results', 'Manic-conversion probes', ''),
    (6310, 10, 'Results', 'Acute relapse vulnerability', ''),
    (6318, 10, 'Results', 'Post-discontinuation relapse', ''),
    (6327, 10, 'Results', 'Progressive sensitisation under kindling', ''),
    (6351, 10, 'Results', 'Progressive sensitisation under kindling', 'Table 3'),
    (6359, 10, 'Results', 'Dependence on ongoing neurosteroid action', ''),
    (6368, 10, 'Discussion', '', ''),
    (6370, 10, 'Discussion', 'Interpretation of Results', ''),
    (6430, 10, 'Discussion', 'Architectural Dependency in Simulated Plasticity Effects', ''),
    (6497, 10, 'Discussion', 'Cross-Domain Parallels with Alignment Instability in Large Language Models', ''),
    (6556, 10, 'Discussion', 'Novelty, potential impact, limitations, and concluding remarks', ''),
    (6615, 10, 'References', '', ''),
)
_STARTS = [s[0] for s in SECTIONS]
