"""[@key] citations become links to the papers page, relative to the citing page; code is left alone."""

from notes import bib, citations

BIB = """
@article{one2001, author = {Solo, Han}, title = {Alone}, year = {2001}}
@article{two2002, author = {Zeiler, Matthew D. and Fergus, Rob}, title = {Visualizing "Nets"}, year = {2002}}
@article{many2003, author = {Ab, C and De, F and Gh, I and Jk, L}, title = {Many Hands}, year = {2003}}
"""
PAPERS, _ = bib.parse(BIB)


def test_single_key_from_a_section_page():
    out = citations.rewrite("See [@two2002].", PAPERS, "cnn/visualizing.md")
    assert out == (
        'See &#91;[Zeiler & Fergus 2002](../papers.md#two2002 '
        "\"Zeiler, Fergus (2002). Visualizing 'Nets'.\"){.cite}&#93;."
    )


def test_relative_path_depends_on_page_depth():
    assert "(papers.md#one2001 " in citations.rewrite("[@one2001]", PAPERS, "index.md")
    assert "(../papers.md#one2001 " in citations.rewrite("[@one2001]", PAPERS, "nlp/lstm.md")
    assert "(../../papers.md#one2001 " in citations.rewrite("[@one2001]", PAPERS, "a/b/c.md")


def test_multiple_keys_are_separated_by_semicolons():
    out = citations.rewrite("[@one2001; @many2003]", PAPERS, "index.md")
    assert out.startswith("&#91;[Solo 2001](papers.md#one2001 ")
    assert '){.cite}; [Ab et al. 2003](papers.md#many2003 "Ab, De, Gh et al. (2003). Many Hands."){.cite}&#93;' in out


def test_code_spans_and_fences_are_not_rewritten():
    text = "Write `[@one2001]` like this.\n\n```md\n[@one2001]\n```\n\n~~~\n[@one2001]\n~~~\n"
    assert citations.rewrite(text, PAPERS, "index.md") == text


def test_unknown_and_malformed_citations_are_reported_with_lines():
    lines = ["intro", "text [@one2001] and [@nope]", "```", "[@ignored]", "```", "bad [@one2001, p. 3]"]
    cited, problems = citations.find(lines, 10, "docs/x.md", PAPERS)
    assert cited == [(11, "one2001")]
    assert [str(p) for p in problems] == [
        "docs/x.md:11: unknown citation key 'nope'; add it to docs/papers.bib",
        "docs/x.md:15: malformed citation '[@one2001, p. 3]'; write [@key] or [@key1; @key2]",
    ]


def test_citation_before_a_colon_mid_line():
    out = citations.rewrite("It has two parts [@one2001]:", PAPERS, "index.md")
    assert out.startswith("It has two parts &#91;[Solo 2001](papers.md#one2001 ") and out.endswith("&#93;:")
    assert citations.find(["It has two parts [@one2001]:"], 1, "docs/x.md", PAPERS) == ([(1, "one2001")], [])


def test_links_emails_and_reference_definitions_are_not_citations():
    text = "[@handle](https://example.org) and mail [me@example.org]\n[@ref]: https://example.org"
    assert citations.rewrite(text, PAPERS, "index.md") == text
    assert citations.find(text.splitlines(), 1, "docs/x.md", PAPERS) == ([], [])
