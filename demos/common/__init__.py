"""Code shared by every demo. Modules here that the CLI's `list`/`run` use import only numpy and
onnxruntime; `onnx_export` and `onnx_weights` are for training and tests (torch, onnx)."""
