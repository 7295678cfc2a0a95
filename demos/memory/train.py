"""`python -m demos train memory`: the full comparison (both models, both tasks, every seed).

The exported models are runs of this experiment, so training the demo *is* running it.
"""
from .compare import main as compare


def main(argv=None) -> None:
    compare(list(argv or []))
