"""docs/papers.bib is parsed with bibtexparser; a malformed entry is reported as papers.bib:LINE."""

import re
from pathlib import Path

from notes import bib

ROOT = Path(__file__).resolve().parent.parent

GOOD = """% a comment line
@inproceedings{zeiler2013visualizing,
  author = {Zeiler, Matthew D. and Fergus, Rob},
  title  = {Visualizing and Understanding {Convolutional} Networks},
  booktitle = {ECCV},
  year   = {2014},
  eprint = {1311.2901}, archivePrefix = {arXiv},
  doi    = {10.1007/978-3-319-10590-1_53}
}

@article{hochreiter1997lstm,
  author = {Hochreiter, Sepp and Schmidhuber, J{\\"u}rgen},
  title  = {Long Short-Term Memory},
  journal = {Neural Computation},
  year   = 1997
}

@misc{team2020,
  author = {Ab, Cd and Ef, Gh and van der Maaten, Laurens},
  title  = {Three Authors},
  year   = {2020},
  url    = {https://example.org/paper}
}
"""


def problems_of(text: str) -> list[str]:
    return [str(p) for p in bib.parse(text, "docs/papers.bib")[1]]


def test_good_file_loads_every_key_with_fields():
    papers, problems = bib.parse(GOOD)
    assert problems == []
    assert set(papers) == {"zeiler2013visualizing", "hochreiter1997lstm", "team2020"}
    zeiler = papers["zeiler2013visualizing"]
    assert zeiler.line == 2
    assert zeiler.title == "Visualizing and Understanding Convolutional Networks"
    assert zeiler.arxiv == "1311.2901" and zeiler.doi == "10.1007/978-3-319-10590-1_53"
    assert zeiler.venue == "ECCV"
    assert papers["hochreiter1997lstm"].authors[1].last == "Schmidhuber"
    assert papers["hochreiter1997lstm"].authors[1].first == "Jürgen"
    assert papers["team2020"].authors[2].last == "van der Maaten"
    assert papers["team2020"].links == [("link", "https://example.org/paper")]


def test_short_forms_and_hover():
    papers, _ = bib.parse(GOOD)
    assert papers["zeiler2013visualizing"].short == "Zeiler & Fergus 2014"
    assert papers["team2020"].short == "Ab et al. 2020"
    single, _ = bib.parse("@article{a, author={Girshick, Ross}, title={Fast R-CNN}, year={2015}}")
    assert single["a"].short == "Girshick 2015"
    assert papers["zeiler2013visualizing"].hover == (
        "Zeiler, Fergus (2014). Visualizing and Understanding Convolutional Networks."
    )


def test_real_bibliography_loads_every_entry():
    text = (ROOT / "docs/papers.bib").read_text(encoding="utf-8")
    papers, problems = bib.parse(text)
    assert [str(p) for p in problems] == []
    declared = re.findall(r"^@(?!string|comment|preamble)\w+\{([^,\s]+),", text, re.MULTILINE | re.IGNORECASE)
    assert declared and sorted(papers) == sorted(declared)


def test_missing_field_reports_entry_line():
    text = GOOD + "\n@article{noyear,\n  author = {A, B},\n  title = {T}\n}\n"
    line = text.splitlines().index("@article{noyear,") + 1
    assert problems_of(text) == [f"docs/papers.bib:{line}: entry 'noyear' is missing 'year = {{...}}'"]


def test_missing_comma_points_at_the_field():
    text = "@article{x,\n  author = {A, B},\n  title = {T}\n  year = {2014}\n}\n"
    found = problems_of(text)
    assert "docs/papers.bib:3: 'title' runs into 'year =': add the missing comma" in found


def test_duplicate_key_names_both_lines():
    text = GOOD + "\n@misc{team2020, author={X, Y}, title={Again}, year={2021}}\n"
    lines = text.splitlines()
    first, again = lines.index("@misc{team2020,") + 1, len(lines)
    assert problems_of(text) == [f"docs/papers.bib:{again}: duplicate key 'team2020' (first defined on line {first})"]


def test_unclosed_entry_is_reported_at_its_start():
    text = GOOD + "\n@article{broken,\n  title = {never closed,\n"
    line = text.splitlines().index("@article{broken,") + 1
    found = problems_of(text)
    assert len(found) == 1 and found[0].startswith(f"docs/papers.bib:{line}: this entry cannot be parsed")


def test_year_must_be_a_year():
    found = problems_of("@article{a, author={A, B}, title={T}, year={circa 2014}}")
    assert found == ["docs/papers.bib:1: entry 'a' has year 'circa 2014'; write a year like 2014"]
