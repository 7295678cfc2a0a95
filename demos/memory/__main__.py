"""`python -m demos.memory compare [--smoke]`: the NTM vs Transformer experiment."""
import sys

from demos.common.errors import DemoError

from .compare import main

if len(sys.argv) < 2 or sys.argv[1] != "compare":
    sys.exit("usage: python -m demos.memory compare [--smoke]")
try:
    main(sys.argv[2:])
except DemoError as err:
    sys.exit(f"error: {err}")
