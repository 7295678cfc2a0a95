"""docs/papers.bib, parsed with bibtexparser v2, as Paper records with line numbers."""

import re
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import DuplicateBlockKeyBlock
from pylatexenc.latex2text import LatexNodes2Text

from demos.common.text import NotUTF8, decode
from notes.problems import Problem

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")  # usable as a URL anchor and in [@key]
YEAR = re.compile(r"^\d{4}$")
ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
SWALLOWED_FIELD = re.compile(r"\n[ \t]*(\w+)[ \t]*=")  # a value running into the next field: missing comma
HOVER_AUTHORS = 3  # longer author lists end in "et al." in the hover text
VENUE_FIELDS = ("journal", "booktitle", "howpublished", "publisher", "school", "institution")

_latex = LatexNodes2Text()


@dataclass(frozen=True)
class Author:
    first: str
    last: str  # with any "von" part: "van der Maaten"

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}".strip()


@dataclass(frozen=True)
class Paper:
    key: str
    line: int
    authors: tuple[Author, ...]
    et_al: bool  # the entry says "and others"
    year: str
    title: str
    venue: str
    doi: str
    arxiv: str
    url: str

    @property
    def short(self) -> str:
        """Short citation: "Zeiler 2014", "Zeiler & Fergus 2014", "Simonyan et al. 2014"."""
        lasts = [a.last for a in self.authors]
        if len(lasts) == 1 and not self.et_al:
            names = lasts[0]
        elif len(lasts) == 2 and not self.et_al:
            names = f"{lasts[0]} & {lasts[1]}"
        else:
            names = f"{lasts[0]} et al."
        return f"{names} {self.year}"

    @property
    def hover(self) -> str:
        """Hover text: "Zeiler, Fergus (2014). Visualizing and Understanding Convolutional Networks."."""
        lasts = [a.last for a in self.authors]
        names = ", ".join(lasts[:HOVER_AUTHORS]) + (" et al." if self.et_al or len(lasts) > HOVER_AUTHORS else "")
        title = self.title.rstrip(".")
        return f"{names} ({self.year}). {title}."

    @property
    def author_list(self) -> str:
        names = [a.full for a in self.authors] + (["others"] if self.et_al else [])
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def links(self) -> list[tuple[str, str]]:
        """(label, URL) pairs: arXiv, DOI, and the entry's url when it is neither."""
        found = []
        if self.arxiv:
            found.append((f"arXiv:{self.arxiv}", f"https://arxiv.org/abs/{self.arxiv}"))
        if self.doi:
            found.append((f"doi:{self.doi}", f"https://doi.org/{self.doi}"))
        if self.url and "arxiv.org/" not in self.url and "doi.org/" not in self.url:
            found.append(("link", self.url))
        return found


def _text(value: str) -> str:
    return " ".join(_latex.latex_to_text(value).split())


def _authors(names) -> tuple[tuple[Author, ...], bool]:
    authors, et_al = [], False
    for name in names:
        last = _text(" ".join([*name.von, *name.last]))
        if last == "others":
            et_al = True
            continue
        authors.append(Author(first=_text(" ".join(name.first)), last=last))
    return tuple(authors), et_al


def _arxiv(fields: dict[str, str]) -> str:
    eprint_is_arxiv = fields.get("archiveprefix", "").lower() == "arxiv" or "arxiv" in fields.get("journal", "").lower()
    for name in ("eprint", "journal", "url"):
        value = fields.get(name, "")
        if name != "url" and not eprint_is_arxiv:
            continue
        if name == "url" and "arxiv.org/" not in value:
            continue
        match = ARXIV_ID.search(value)
        if match:
            return match.group(1)
    return ""


def parse(text: str, shown: str = "docs/papers.bib") -> tuple[dict[str, Paper], list[Problem]]:
    """Parse BibTeX text; return papers by key and the problems found (with 1-based lines)."""
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    problems: list[Problem] = []
    first_lines: dict[str, int] = {}
    papers: dict[str, Paper] = {}

    for entry in library.entries:
        line = entry.start_line + 1
        first_lines.setdefault(entry.key, line)
        before = len(problems)
        if not KEY.match(entry.key):
            problems.append(Problem(shown, line, f"key '{entry.key}' may use only letters, digits and _ . : -"))
        for bib_field in entry.fields:
            if isinstance(bib_field.value, str):
                swallowed = SWALLOWED_FIELD.search(bib_field.value)
                if swallowed:
                    problems.append(
                        Problem(shown, bib_field.start_line + 1,
                                f"'{bib_field.key}' runs into '{swallowed.group(1)} =': add the missing comma")
                    )
        fields = {f.key.lower(): f.value for f in entry.fields}
        for required in ("author", "title", "year"):
            if not fields.get(required):
                problems.append(Problem(shown, line, f"entry '{entry.key}' is missing '{required} = {{...}}'"))
        if fields.get("year") and not YEAR.match(str(fields["year"]).strip()):
            problems.append(Problem(shown, line, f"entry '{entry.key}' has year {fields['year']!r}; write a year like 2014"))
        if len(problems) > before:
            continue
        authors, et_al = _authors(fields["author"])
        raw = {k: v for k, v in fields.items() if isinstance(v, str)}
        doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", raw.get("doi", "").strip())
        papers[entry.key] = Paper(
            key=entry.key,
            line=line,
            authors=authors,
            et_al=et_al,
            year=raw["year"].strip(),
            title=_text(raw["title"]),
            venue=next((_text(raw[name]) for name in VENUE_FIELDS if raw.get(name)), ""),
            doi=doi,
            arxiv=_arxiv(raw),
            url=raw.get("url", "").strip(),
        )

    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(shown, line, f"duplicate key '{block.key}' (first defined on line {first_lines.get(block.key, '?')})"))
        else:
            reason = str(block.error).strip().splitlines()[-1].strip() if str(block.error).strip() else type(block.error).__name__
            problems.append(Problem(shown, line, f"this entry cannot be parsed ({reason}); check its braces, quotes and commas"))
    return papers, problems


def load(path: Path, shown: str = "docs/papers.bib") -> tuple[dict[str, Paper], list[Problem]]:
    if not path.is_file():
        return {}, [Problem(shown, 1, "the bibliography file is missing; create it with one @article{key, ...} per paper")]
    try:
        text = decode(path.read_bytes(), shown)
    except NotUTF8 as error:
        return {}, [Problem(shown, error.line, error.reason)]
    return parse(text, shown)
