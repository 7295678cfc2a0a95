"""Search finds the note: a phrase from a note's headings, quotations or tables, typed into Material's
search box on the built site, lists that note first (issue 7's phrases, then one phrase per note)."""
import pytest

PHRASES = [
    # the phrases the issue measured (wrong first result then in the comment)
    ("multi-head attention", "nlp/attention-transformer/"),        # was MVSNet: the hyphen cut the query
    ("line length", "nlp/rnn-interpretability/"),                 # was NTM vs Transformer
    ("beam search", "multimodal/image-captioning/"),              # was NTM vs Transformer
    ("selective search", "cnn/object-detection/"),                # was Papers
    ("Show and Tell", "multimodal/image-captioning/"),            # was Papers
    ("quote detection cell", "nlp/rnn-interpretability/"),        # was Object detection
    # one phrase per note, from its headings, quotations or tables
    ("parametric mesh", "face/"),
    ("harder scenes when colour regions are not objects", "cnn/object-detection/"),
    ("occlusion sensitivity", "cnn/visualizing/"),
    ("positional encodings", "nlp/attention-transformer/"),
    ("induction heads", "nlp/attention-transformer/"),
    ("elementwise gates", "nlp/lstm/"),
    ("interpretable cells", "nlp/rnn-interpretability/"),
    ("visual-semantic alignments", "multimodal/image-captioning/"),
    ("cost volume", "3d/mvsnet/"),
    ("occupancy function", "3d/occupancy-networks/"),
    ("Neural Turing Machines", "brain/memory/"),
    ("NTM vs Transformer", "brain/ntm-vs-transformer/"),
    ("digits, data to ONNX", "notebooks/digits/"),
]


def first_results(page, phrase: str) -> list[str]:
    """Type `phrase` into the search box; the result pages (site-relative, no anchor), best first."""
    box = page.locator(".md-search__input")
    box.click()
    box.fill("")
    box.type(phrase, delay=5)
    page.wait_for_function("""(q) => { const m = document.querySelector('.md-search-result__meta');
        return m && !/Initializing|Type to start/.test(m.textContent) && document.querySelector('.md-search__input').value === q; }""",
                           arg=phrase)
    page.wait_for_timeout(150)  # the result list renders just after the count
    hrefs = page.eval_on_selector_all(".md-search-result__item > .md-search-result__link", "els => els.map(e => e.href)")
    origin = page.evaluate("location.origin") + "/"
    return [h.split("#")[0].split("?")[0].removeprefix(origin) for h in hrefs]


@pytest.fixture(scope="module")
def search_page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.origin + "/")
    page.wait_for_load_state("networkidle")
    yield page
    context.close()


@pytest.mark.parametrize("phrase,note", PHRASES, ids=[p for p, _ in PHRASES])
def test_search_lists_the_note_first(search_page, phrase, note):
    results = first_results(search_page, phrase)
    assert results, f"no result for {phrase!r}"
    assert results[0] == note, f"{phrase!r}: first results {results[:3]}"
