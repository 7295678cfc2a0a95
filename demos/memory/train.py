"""`python -m demos train memory`: the full comparison (both models, both tasks, every seed), then the
associative-recall curriculum runs the demo exports for recall (demos/memory/recall.py).

The exported models are runs of these experiments, so training the demo *is* running them. With any
argument (`--smoke`, `--report-only`, `--extend …`) only the comparison runs, as `python -m demos.memory
compare` would.
"""
from . import recall
from .compare import main as compare


def main(argv=None) -> None:
    argv = list(argv or [])
    compare(argv)
    if not argv:
        recall.main(["--exported"])
