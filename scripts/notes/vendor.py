"""Files the site serves from npm packages and exported_models/, without copying them into docs/."""

import json
from pathlib import Path

KATEX = "node_modules/katex/dist"
ORT = "node_modules/onnxruntime-web/dist"
THREE = "node_modules/three"
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
    # three.js for the 3-D views (docs/javascripts/parts/view3d.js): the module and the core it imports, and
    # OrbitControls (which imports the bare name 'three'; view3d.js points that import at three.module.js).
    (f"{THREE}/build", "three.module.js", "assets/vendor/three"),
    (f"{THREE}/build", "three.core.js", "assets/vendor/three"),
    (f"{THREE}/examples/jsm/controls", "OrbitControls.js", "assets/vendor/three"),
]
# The runtime reads the decompressed sizes of ONNX Runtime's files from here: hosts gzip them on the
# wire, so a response's Content-Length cannot be the total of a progress bar.
ORT_SIZES = "assets/vendor/ort/files.json"
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


def ort_sizes(root: Path) -> str:
    """JSON {file name: bytes} of the ONNX Runtime files the site serves (the content of ORT_SIZES)."""
    return json.dumps({p.name: p.stat().st_size for folder, pattern, _ in ASSETS if folder == ORT
                       for p in sorted((root / folder).glob(pattern))}, sort_keys=True)
