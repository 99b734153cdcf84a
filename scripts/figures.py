#!/usr/bin/env python3
"""Recomputes a graded run's figures from grades.jsonl alone and checks
them against summary.json (docs/evaluate.md, "Checking the figures").

    python3 scripts/figures.py RUN

Independent of the Rust code: the standard library only, the Wilson score
interval and pass^k = mean over samples of C(c, k) / C(n, k) written out
from their definitions. Prints "every figure equal" or each difference,
and exits 1 on any.
"""
import json
import math
import statistics
import sys
from collections import defaultdict
from math import comb
from pathlib import Path

Z95 = statistics.NormalDist().inv_cdf(0.975)
TOLERANCE = 1e-9


def wilson(passed, total):
    if total == 0:
        return None, None, None
    p = passed / total
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = Z95 / (1 + z2 / total) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return p, max(0.0, centre - half), min(1.0, centre + half)


def main(run):
    grades = [json.loads(line) for line in (run / "grades.jsonl").read_text().splitlines()]
    summary = json.loads((run / "summary.json").read_text())
    graded = [g for g in grades if g["graded"]]
    differences = []

    def same(name, mine, theirs):
        if mine is None or theirs is None:
            if mine != theirs:
                differences.append(f"{name}: recomputed {mine}, summary {theirs}")
        elif abs(mine - theirs) > TOLERANCE:
            differences.append(f"{name}: recomputed {mine}, summary {theirs}")

    def same_rate(name, passed, total, rate):
        mine = wilson(passed, total)
        if (passed, total) != (rate["passed"], rate["total"]):
            differences.append(f"{name}: recomputed {passed}/{total}, summary {rate['passed']}/{rate['total']}")
        for label, value, theirs in zip(("rate", "low", "high"), mine, (rate["rate"], rate["low"], rate["high"])):
            same(f"{name} {label}", value, theirs)

    same_rate("pass rate", sum(g["pass"] for g in graded), len(graded), summary["pass_rate"])
    right = [g["called"] == g["expected"] for g in graded]
    same_rate("decision accuracy", sum(right), len(right), summary["decision_accuracy"])
    recalls = defaultdict(lambda: [0, 0])
    for g in graded:
        recalls[g["expected"]][0] += g["called"] == g["expected"]
        recalls[g["expected"]][1] += 1
    balanced = sum(c / n for c, n in recalls.values()) / len(recalls) if recalls else None
    same("balanced accuracy", balanced, summary["balanced_accuracy"])
    for figures in summary["decisions"]:
        c, n = recalls[figures["decision"]]
        same_rate(f"recall {figures['decision']}", c, n, figures["recall"])

    cells = defaultdict(lambda: [0, 0])
    for g in graded:
        key = (g["metadata"]["domain"], g["metadata"]["behavior"])
        cells[key][0] += g["pass"]
        cells[key][1] += 1
    for cell in summary["grid"]:
        c, n = cells.get((cell["domain"], cell["behavior"]), [0, 0])
        same_rate(f"cell {cell['domain']} × {cell['behavior']}", c, n, cell["pass_rate"])

    trials = summary["trials"]
    per_sample = defaultdict(lambda: [0, 0])
    for g in graded:
        per_sample[g["sample_id"]][0] += g["pass"]
        per_sample[g["sample_id"]][1] += 1
    complete = [(c, n) for c, n in per_sample.values() if n == trials]
    for entry in summary["trials_figures"]["pass_hat_k"]:
        k = entry["k"]
        mine = sum(comb(c, k) / comb(n, k) for c, n in complete) / len(complete) if complete else None
        same(f"pass^{k}", mine, entry["value"])
    flaky = sorted(s for s, (c, n) in per_sample.items() if 0 < c < n)
    if flaky != sorted(summary["trials_figures"]["flaky"]):
        differences.append("flaky samples differ")

    if differences:
        print("\n".join(differences))
        return 1
    print(f"every figure equal: {len(grades)} grades, {len(summary['grid'])} cells, "
          f"pass^1..{trials}, {len(recalls)} decisions")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
