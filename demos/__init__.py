"""Inside NN demos: tiny models trained on CPU, exported to ONNX, run in the page and from Python.

`python -m demos list|run` needs only numpy and onnxruntime; `train` and `export` need torch.
"""
