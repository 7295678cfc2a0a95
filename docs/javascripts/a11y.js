// Accessibility additions to what Material renders, on every page (instant navigation included):
// names for its search dialog and page-load progress bar, and keyboard access to anything that
// scrolls sideways (tables Material wraps, notebook code cells), which axe-core and Lighthouse ask for.

const NAMES = [
  [".md-search[role=dialog]", "Search"],
  [".md-progress[role=progressbar]", "Loading page"],
];

// Containers that may scroll sideways, and what a screen reader hears when one gets focus.
// Displayed equations (.inn-math) are focusable and labelled at build time (scripts/notes/math.py).
const SCROLLERS = [
  [".md-typeset__scrollwrap", "Table, scrolls sideways"],
  [".jp-Cell .highlight-ipynb", "Code, scrolls sideways"],
];

/** True when `el` hides content to its right or left (1 px of rounding slack). */
export function scrollsSideways(el) {
  return el.scrollWidth > el.clientWidth + 1;
}

/** Make `el` reachable by keyboard while it scrolls, and take that back when it no longer does. */
export function markScroller(el, label) {
  if (scrollsSideways(el)) {
    if (el.dataset.innScroll) return;
    el.dataset.innScroll = "added";
    el.classList.add("inn-scrolls");
    el.tabIndex = 0;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", label);
  } else if (el.dataset.innScroll) {
    delete el.dataset.innScroll;
    el.classList.remove("inn-scrolls");
    for (const name of ["tabindex", "role", "aria-label"]) el.removeAttribute(name);
  }
}

const resized = new ResizeObserver((entries) => {
  for (const { target } of entries) markScroller(target, target.dataset.innScrollLabel);
});

function enhance() {
  for (const [selector, name] of NAMES) {
    document.querySelectorAll(selector).forEach((el) => el.hasAttribute("aria-label") || el.setAttribute("aria-label", name));
  }
  for (const [selector, label] of SCROLLERS) {
    document.querySelectorAll(selector).forEach((el) => {
      el.dataset.innScrollLabel = label;
      resized.observe(el); // calls back once at once, then on every size change
    });
  }
}

// Material wraps tables while it handles `document$`; run after it, on the next frame.
const later = () => requestAnimationFrame(enhance);
if (globalThis.document$) globalThis.document$.subscribe(later);
else later();
