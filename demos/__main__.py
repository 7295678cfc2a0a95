"""The demos command line.

    python -m demos list                      every demo with its model files and metrics
    python -m demos run NAME INPUT [--json] [--set KEY=VALUE ...]
                                              run a demo on a file (numpy + onnxruntime only);
                                              --set changes an option the page has a control for
    python -m demos train NAME|all            train (torch), write build/NAME/
    python -m demos export NAME|all           export to exported_models/NAME.onnx + NAME.json

Problems a reader can cause (unknown name, missing or corrupt file, bad input) are printed as one
line on stderr with exit status 2; a traceback means a bug in this repository.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from demos.common import options, sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import ROOT

# `all`: every demo with a sidecar and a train.py (ntm and memory_transformer are trained by
# `memory`). `visualize` goes last: its export measures saliency maps against the yolo and rcnn
# detectors, so they must be exported first.
LAST = ("visualize",)
TRAINABLE = sorted((name for name in sc.names() if (ROOT / "demos" / name / "train.py").is_file()),
                   key=lambda name: (name in LAST, name))


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other problem
        raise DemoError(f"{message} (see `python -m demos --help`)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m demos", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="list the demos")
    run = commands.add_parser("run", help="run a demo on an input file")
    run.add_argument("name")
    run.add_argument("input")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="set a demo option, e.g. confidence=0.3 (yolo) or layer=2 (visualize)")
    for verb in ("train", "export"):
        sub = commands.add_parser(verb, help=f"{verb} a demo's model (needs torch)")
        sub.add_argument("name", help="a demo name or 'all'")
    return parser


def _module(name: str, part: str):
    if not (ROOT / "demos" / name / f"{part}.py").is_file():
        known = ", ".join(sc.names()) or "none"
        raise DemoError(f"unknown demo '{name}' (known: {known})")
    return importlib.import_module(f"demos.{name}.{part}")


def cmd_list() -> None:
    for name in sc.names():
        card = sc.read(name)
        files = ", ".join(f"{m['file']} ({m['bytes'] / 1024:.0f} KB)" for m in card["models"])
        print(f"{name:20s} {card['title']}\n{'':20s} {files}\n{'':20s} metrics: {json.dumps(card['metrics'])}")


def apply_settings(inputs, settings: list[str], card: dict):
    """Override the options `load_input` returned beside the data, each checked against the control the
    sidecar declares for it (its type, range and step, or its choices)."""
    if not settings:
        return inputs
    return options.apply(inputs if isinstance(inputs, dict) else {}, card["options"], settings)


def cmd_run(name: str, path: str, as_json: bool, settings: list[str]) -> None:
    from demos.common.runtime import open_sessions  # onnxruntime only when needed

    card = sc.read(name)
    infer = _module(name, "infer")
    inputs = apply_settings(infer.load_input(path, card), settings, card)
    result = infer.predict(open_sessions(card), card, inputs)
    print(json.dumps(result) if as_json else infer.format_text(result, card))


def cmd_build(verb: str, name: str) -> None:
    for each in (TRAINABLE if name == "all" else [name]):
        _module(each, verb).main([])


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            cmd_list()
        elif args.command == "run":
            cmd_run(args.name, args.input, args.json, args.set)
        else:
            cmd_build(args.command, args.name)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except DemoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m demos run … | head`: the reader has what they wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
