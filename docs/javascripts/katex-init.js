// Render math with the KaTeX copy the site serves itself (assets/vendor/katex/).
// pymdownx.arithmatex (generic mode) leaves \( … \) and \[ … \] inside .arithmatex elements;
// notebook pages (mkdocs-jupyter) keep the $ … $ / $$ … $$ of their Markdown cells.
// document$ emits on every page load, instant navigation included; rendered math has no
// delimiters left, so running again on the same page does nothing.
const ARITHMATEX = [
  { left: "\\(", right: "\\)", display: false },
  { left: "\\[", right: "\\]", display: true },
];
const NOTEBOOK = [
  { left: "$$", right: "$$", display: true },
  { left: "$", right: "$", display: false },
  ...ARITHMATEX,
];

document$.subscribe(({ body }) => {
  const options = (delimiters) => ({ delimiters, throwOnError: false });
  for (const element of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(element, options(ARITHMATEX));
  }
  for (const element of body.querySelectorAll(".jupyter-wrapper .jp-MarkdownOutput")) {
    renderMathInElement(element, options(NOTEBOOK));
  }
});
