"""How far the exported copy NTM (exported_models/ntm_copy.onnx) generalises in length, sequence by sequence.

    python -m demos.memory.lengths        # writes demos/memory/results/lengths.json and lengths.md

For each length, `N` fresh random copy sequences (numpy seed = the length) are run through the exported
step model with onnxruntime; the record keeps every sequence's bit errors. Per-seed medians over the
three training seeds come from results.json (`python -m demos.memory compare`), so the page can say
where each seed starts to fail. tests/test_ntm.py re-runs a few of these sequences and checks the record.
"""
from __future__ import annotations

import json
import statistics

import numpy as np

from demos.common import runtime
from demos.common import sidecar as sc
from demos.ntm import infer as ntm_infer

from . import tasks as T
from .compare import RESULTS_DIR

LENGTHS = (20, 30, 40, 60, 80, 100, 120)
N = 20
PATH = RESULTS_DIR / "lengths.json"


def copy_errors(session, cfg: dict, length: int, n: int) -> list[int]:
    """Bit errors of each of `n` fresh copy sequences of `length` vectors (seeded by the length)."""
    x, y, mask = T.sample(T.COPY, length, n, np.random.default_rng(length))
    out = []
    for i in range(n):
        probs = ntm_infer.run_sequence(session, cfg, x[i])["y"]
        out.append(int(((probs[mask] > 0.5) != (y[i][mask] > 0.5)).sum()))
    return out


def measure(card: dict, lengths=LENGTHS, n: int = N) -> dict:
    index = card["model_index"]["ntm"]["copy"]
    session = runtime.open_sessions(card)[index]
    cfg = card["config"]["ntm"]["copy"]
    return {"model": card["models"][index]["file"], "mem_rows": cfg["mem_n"], "n": n,
            "errors": {str(length): copy_errors(session, cfg, length, n) for length in lengths}}


def first_failure(generalisation: dict, limit: float = 0.1):
    """The shortest test length whose mean bit errors exceed `limit`, or None."""
    return next((int(s) for s, v in generalisation.items() if v > limit), None)


def table(record: dict, results: dict) -> str:
    lengths = list(record["errors"])
    lines = ["| copy length (vectors) | " + " | ".join(lengths) + " |", "|---|" + "---:|" * len(lengths),
             f"| error-free sequences of {record['n']} | "
             + " | ".join(str(sum(e == 0 for e in record["errors"][s])) for s in lengths) + " |",
             "| median bit errors | " + " | ".join(f"{statistics.median(record['errors'][s]):g}" for s in lengths) + " |",
             "| worst | " + " | ".join(str(max(record["errors"][s])) for s in lengths) + " |"]
    seeds = [r for r in results["runs"] if r["model"] == "ntm" and r["task"] == "copy"]
    fails = "; ".join(f"seed {r['seed']}: " + (f"from {f} vectors" if (f := first_failure(r["generalisation"]))
                                                 else "at no tested length")
                      for r in seeds)
    exported = results["exported_seed"]["ntm"]["copy"]
    return ("\n".join(lines) + f"\n\nThe exported NTM (`{record['model']}`, seed {exported}; "
            f"{record['mem_rows']} memory rows) on {record['n']} fresh sequences per length, onnxruntime. "
            f"Where each training seed's mean exceeds 0.1 bit errors per sequence ({results['protocol']['eval_n']} "
            f"sequences per length): {fails}.\n")


def main(argv=None) -> None:
    record = measure(sc.read("memory"))
    PATH.write_text(json.dumps(record, indent=1) + "\n")
    results = json.loads((RESULTS_DIR / "results.json").read_text())
    (RESULTS_DIR / "lengths.md").write_text(table(record, results))
    print(table(record, results))


if __name__ == "__main__":
    main()
