"""Every text file the project reads — notes, .bib, sidecars, JSON inputs — is UTF-8; a file that is
not gets one line naming it, the line and the byte offset, instead of a UnicodeDecodeError."""
from __future__ import annotations

from pathlib import Path

from .errors import DemoError


class NotUTF8(DemoError):
    """A file that is not UTF-8 text; `line` and `reason` let the note checker print `file:line: reason`."""

    def __init__(self, shown: str, line: int, reason: str):
        super().__init__(f"{shown}:{line}: {reason}")
        self.line, self.reason = line, reason


def decode(data: bytes, shown: str) -> str:
    """`data` as UTF-8 text (a leading byte-order mark is dropped), or NotUTF8 naming `shown`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise NotUTF8(shown, line, f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
                      "save the file as UTF-8") from None


def read(path: Path, shown: str | None = None) -> str:
    """The UTF-8 text of the file at `path`; errors name `shown` (default: the path)."""
    shown = str(path) if shown is None else shown
    try:
        return decode(Path(path).read_bytes(), shown)
    except IsADirectoryError:
        raise DemoError(f"{shown} is a directory, not a file") from None
    except FileNotFoundError:
        raise DemoError(f"{shown}: no such file") from None
    except OSError as err:
        raise DemoError(f"{shown}: cannot be read ({err.strerror})") from None


def is_file(path: Path) -> bool:
    """An existing file; text that is no possible path (too long, a NUL) is not one, without an OSError."""
    try:
        return len(str(path)) < 4096 and Path(path).is_file()
    except (OSError, ValueError):
        return False


def text_or_file(arg: str) -> str:
    """A command-line argument that is a UTF-8 text file's path or else the text itself (CRLF read as LF);
    a binary file is refused by name."""
    path = Path(arg)
    if is_file(path):
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            raise DemoError(f"{arg} looks like a binary file (it contains NUL bytes); give a text file")
        arg = decode(data, arg)
    return arg.replace("\r\n", "\n")
