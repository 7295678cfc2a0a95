"""Every link, quotation and claim of the original notes survives into the site.

tests/data/seed-notes.md is a verbatim copy of the study notes the site grew from.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "tests" / "data" / "seed-notes.md").read_text()
DOCS = {p: p.read_text() for p in (ROOT / "docs").rglob("*.md")}


def normalise(text: str) -> str:
    """Case, whitespace and Markdown emphasis/quote markers do not count."""
    text = re.sub(r"[*_>`]", "", text.lower())
    return re.sub(r"\s+", " ", text).strip()


ALL_DOCS = normalise("\n".join(DOCS.values()))
LINKS = re.findall(r"\((https?://[^)\s]+)\)", SEED)            # Markdown links and bare (url)s
SCREENSHOTS = re.findall(r'src="(https?://[^"]+)"', SEED)
# Lines of the notes that carry their own words: bullets, quotations and the plain paragraphs.
CLAIMS = [re.sub(r"^\s*(?:-|>)\s*", "", line).strip() for line in SEED.splitlines()
          if re.match(r"^\s*(?:-|>)\s+\w", line) and "](" not in line]
CLAIMS += re.findall(r'^"(.+)"$', SEED, flags=re.M)                     # the RNN paper's quotation
CLAIMS += [line for line in SEED.splitlines() if line.startswith("implicitly represent")]
CLAIMS += re.findall(r"\): (1\).+)$", SEED, flags=re.M)                   # Zeiler & Fergus's three methods


def test_the_seed_notes_are_parsed():
    assert len(LINKS) == 11 and len(SCREENSHOTS) == 4 and len(CLAIMS) == 19


@pytest.mark.parametrize("url", LINKS)
def test_every_link_of_the_notes_is_on_a_page(url):
    assert any(url in text for text in DOCS.values()), url


@pytest.mark.parametrize("url", SCREENSHOTS)
def test_screenshots_are_redrawn_not_hot_linked(url):
    assert not any(url in text for text in DOCS.values()), url


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c[:40])
def test_every_claim_of_the_notes_is_on_a_page(claim):
    words = normalise(claim.lstrip(": "))
    assert words in ALL_DOCS, claim
