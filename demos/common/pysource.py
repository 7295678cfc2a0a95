"""Python source as a corpus: a pinned list of standard-library files, read from the installed Python.

Nothing is copied into the repository. The files differ between Python versions, so the text is hashed
(`Corpus.sha256`): training records the hash, and `load()` refuses a corpus whose hash is not the one a
model was trained on, naming both Python versions, instead of silently training or measuring a
different model. The split into training and held-out text is by file.

Also here, for any model that reads Python: the character vocabulary and per-character features
(position in line, indentation, inside a string or comment, bracket depth) computed with the standard
`tokenize` module, so strings and comments are found the way Python itself finds them.
"""
from __future__ import annotations

import hashlib
import io
import sys
import sysconfig
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DemoError

# Top-level modules of Lib/ in CPython 3.11 (no packages, no tests). Left out: _sysconfigdata_*
# (machine-specific), this.py (rot13 text) and the two-line __hello__.py and antigravity.py.
FILES = (
    "__future__.py", "_aix_support.py", "_bootsubprocess.py", "_collections_abc.py", "_compat_pickle.py",
    "_compression.py", "_markupbase.py", "_osx_support.py", "_py_abc.py", "_pydecimal.py", "_pyio.py",
    "_sitebuiltins.py", "_strptime.py", "_threading_local.py", "_weakrefset.py", "abc.py", "aifc.py",
    "argparse.py", "ast.py", "asynchat.py", "asyncore.py", "base64.py", "bdb.py", "bisect.py", "bz2.py",
    "cProfile.py", "calendar.py", "cgi.py", "cgitb.py", "chunk.py", "cmd.py", "code.py", "codecs.py",
    "codeop.py", "colorsys.py", "compileall.py", "configparser.py", "contextlib.py", "contextvars.py",
    "copy.py", "copyreg.py", "crypt.py", "csv.py", "dataclasses.py", "datetime.py", "decimal.py",
    "difflib.py", "dis.py", "doctest.py", "enum.py", "filecmp.py", "fileinput.py", "fnmatch.py",
    "fractions.py", "ftplib.py", "functools.py", "genericpath.py", "getopt.py", "getpass.py", "gettext.py",
    "glob.py", "graphlib.py", "gzip.py", "hashlib.py", "heapq.py", "hmac.py", "imaplib.py", "imghdr.py",
    "imp.py", "inspect.py", "io.py", "ipaddress.py", "keyword.py", "linecache.py", "locale.py", "lzma.py",
    "mailbox.py", "mailcap.py", "mimetypes.py", "modulefinder.py", "netrc.py", "nntplib.py", "ntpath.py",
    "nturl2path.py", "numbers.py", "opcode.py", "operator.py", "optparse.py", "os.py", "pathlib.py",
    "pdb.py", "pickle.py", "pickletools.py", "pipes.py", "pkgutil.py", "platform.py", "plistlib.py",
    "poplib.py", "posixpath.py", "pprint.py", "profile.py", "pstats.py", "pty.py", "py_compile.py",
    "pyclbr.py", "pydoc.py", "queue.py", "quopri.py", "random.py", "reprlib.py", "rlcompleter.py",
    "runpy.py", "sched.py", "secrets.py", "selectors.py", "shelve.py", "shlex.py", "shutil.py",
    "signal.py", "site.py", "smtpd.py", "smtplib.py", "sndhdr.py", "socket.py", "socketserver.py",
    "sre_compile.py", "sre_constants.py", "sre_parse.py", "ssl.py", "stat.py", "statistics.py",
    "string.py", "stringprep.py", "struct.py", "subprocess.py", "sunau.py", "symtable.py", "sysconfig.py",
    "tabnanny.py", "tarfile.py", "telnetlib.py", "tempfile.py", "textwrap.py", "threading.py", "timeit.py",
    "token.py", "tokenize.py", "trace.py", "traceback.py", "tracemalloc.py", "tty.py", "turtle.py",
    "types.py", "typing.py", "uu.py", "uuid.py", "warnings.py", "wave.py", "weakref.py", "webbrowser.py",
    "xdrlib.py", "zipapp.py", "zipfile.py", "zipimport.py",
)
HELD_OUT_EVERY = 10  # every 10th file (in FILES order) is held out
# The corpus the committed models were trained on. Training on another Python is refused (a different text
# would silently give a different model); to move on, check the new files and update both values.
PINNED_PYTHON, PINNED_SHA256 = "3.11.7", "e6ab62956f2f74e0e6218ca6afc7ae11420a3d92d17717c3274f7570d14b39ea"

# The vocabulary: newline, printable ASCII, and one symbol for everything else (tabs, non-ASCII).
UNKNOWN = "\u00bf"  # ¿ stands for any character outside the vocabulary
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127)) + UNKNOWN
_INDEX = {ch: i for i, ch in enumerate(VOCAB)}
FEATURES = ("position_in_line", "indentation", "inside_string", "inside_comment", "bracket_depth")
# Measured and reported beside FEATURES, not one of them: the older reading of "indentation" as every line's
# own leading spaces (a continuation line's alignment, 0 on a blank line), kept so the change is visible.
EXTRA_FEATURES = ("leading_spaces",)


@dataclass
class Corpus:
    train: list[tuple[str, str]]      # (file name, text)
    held_out: list[tuple[str, str]]
    sha256: str                       # of every file's name and bytes, in FILES order
    python: str                       # the version that supplied the files, e.g. "3.11.7"

    def chars(self, part: str) -> int:
        return sum(len(text) for _, text in getattr(self, part))


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def load(expected_sha256: str | None = None, trained_on: str = "") -> Corpus:
    """The pinned files of the running Python; with `expected_sha256`, refuse any other corpus."""
    folder, digest, texts = stdlib_dir(), hashlib.sha256(), []
    python = ".".join(map(str, sys.version_info[:3]))
    for name in FILES:
        path = folder / name
        if not path.is_file():
            raise DemoError(f"{path} is missing: the corpus is pinned to the standard library of Python "
                            f"{trained_on or '3.11'}, this is Python {python}")
        data = path.read_bytes()
        digest.update(name.encode() + b"\0" + data + b"\0")
        texts.append((name, data.decode("utf-8")))
    sha = digest.hexdigest()
    if expected_sha256 and sha != expected_sha256:
        raise DemoError(f"the standard-library corpus of this Python ({python}, {folder}) has sha256 "
                        f"{sha[:12]}…, the model was trained on {expected_sha256[:12]}… (Python "
                        f"{trained_on or 'another version'}): run this with that Python, or retrain")
    held = [t for i, t in enumerate(texts) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    train = [t for i, t in enumerate(texts) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    return Corpus(train, held, sha, python)


def encode(text: str) -> np.ndarray:
    """Character indices into VOCAB, (T,) int64; anything outside it becomes UNKNOWN."""
    unknown = _INDEX[UNKNOWN]
    return np.fromiter((_INDEX.get(ch, unknown) for ch in text), dtype=np.int64, count=len(text))


def decode(indices) -> str:
    return "".join(VOCAB[int(i)] for i in indices)


def features(text: str) -> dict[str, np.ndarray]:
    """Per character of `text`, each of FEATURES and EXTRA_FEATURES as a float array (T,).

    Position in line counts characters since the last newline. Strings, comments, brackets and
    indentation come from `tokenize`, the way Python reads them (a text it cannot tokenize keeps what was
    found before the error, the rest reads as code). Indentation is the depth, in columns, of the block the
    character is in: it changes where Python's INDENT or DEDENT token puts it, at the first character of
    the line that opens or closes a block, so blank lines, comment lines, a docstring's inner lines and
    continuation lines inside brackets keep their block's depth. `leading_spaces` is every line's own
    count of leading spaces instead.
    """
    n = len(text)
    out = {name: np.zeros(n, dtype=np.float32) for name in (*FEATURES, *EXTRA_FEATURES)}
    line_starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(text.encode("utf-32-le"),
                                                                    dtype=np.uint32) == 10) + 1])
    line_of = np.searchsorted(line_starts, np.arange(n), side="right") - 1
    out["position_in_line"] = (np.arange(n) - line_starts[line_of]).astype(np.float32)
    lines = text.split("\n")
    indents = np.array([len(s) - len(s.lstrip(" ")) for s in lines], dtype=np.float32)
    out["leading_spaces"] = indents[line_of]
    offset = lambda row, col: line_starts[row - 1] + col
    depth_changes = np.zeros(n + 1, dtype=np.float32)
    blocks, indent_at = [0], [(0, 0)]             # the open blocks' columns; (offset, depth) where it changes
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.start[0] > len(line_starts):
                break
            start, end = offset(*tok.start), min(offset(*tok.end), n) if tok.end[0] <= len(line_starts) else n
            if tok.type == tokenize.INDENT:          # spans the new line's leading spaces
                blocks.append(len(tok.string))
                indent_at.append((end, blocks[-1]))
            elif tok.type == tokenize.DEDENT:        # empty, at the first character of the line
                blocks.pop()
                indent_at.append((start, blocks[-1]))
            elif tok.type == tokenize.STRING:
                out["inside_string"][start:end] = 1
            elif tok.type == tokenize.COMMENT:
                out["inside_comment"][start:end] = 1
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth_changes[end] += 1      # the opening bracket itself is still outside
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth_changes[start] -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    out["bracket_depth"] = np.maximum(np.cumsum(depth_changes)[:n], 0)
    for (start, depth), (end, _) in zip(indent_at, indent_at[1:] + [(n, 0)]):
        out["indentation"][start:end] = depth
    return out
