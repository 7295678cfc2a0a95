"""Files the site serves from npm packages and exported_models/, without copying them into docs/."""

from pathlib import Path

KATEX = "node_modules/katex/dist"
ORT = "node_modules/onnxruntime-web/dist"
MODELS = "exported_models"

# (folder in the repository, glob, folder in the site)
ASSETS = [
    # Math is rendered at build time: pages need KaTeX's stylesheet and fonts, never its script.
    # Every browser the site supports takes the first source of each @font-face, the .woff2.
    (KATEX, "katex.min.css", "assets/vendor/katex"),
    (f"{KATEX}/fonts", "*.woff2", "assets/vendor/katex/fonts"),
    # The plain WASM build of ONNX Runtime Web and the two files it loads (no JSEP/WebGPU build).
    (ORT, "ort.wasm.min.mjs", "assets/vendor/ort"),
    (ORT, "ort-wasm-simd-threaded.mjs", "assets/vendor/ort"),
    (ORT, "ort-wasm-simd-threaded.wasm", "assets/vendor/ort"),
]
# NOTICE-<demo>: the licence of weights converted from another project, served beside them.
MODEL_FILES = [(MODELS, "*.onnx", "models"), (MODELS, "*.json", "models"), (MODELS, "NOTICE-*", "models")]


class VendorError(Exception):
    pass


def planned(root: Path) -> list[tuple[str, Path]]:
    """(site path, file on disk) for every vendored asset and committed model file."""
    found: list[tuple[str, Path]] = []
    for folder, pattern, site_folder in ASSETS + MODEL_FILES:
        matches = sorted(p for p in (root / folder).glob(pattern) if p.is_file())
        if not matches and folder != MODELS:
            raise VendorError(f"{folder}/{pattern} is missing: run `npm ci` in {root} (make does this)")
        found += [(f"{site_folder}/{p.name}", p) for p in matches]
    return found
