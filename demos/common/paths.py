"""Where things live, relative to the repository root."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# INSIDE_NN_MODELS points the CLI at another copy of the models (the tests use it for broken files).
MODELS_DIR = Path(os.environ.get("INSIDE_NN_MODELS", ROOT / "exported_models"))
BUILD_DIR = ROOT / "build"  # training checkpoints and metrics (gitignored)
