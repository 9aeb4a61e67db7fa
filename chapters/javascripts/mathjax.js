// MathJax settings for pymdownx.arithmatex (generic mode). MathJax itself is served from the
// book (assets/mathjax/, added by book/mathjax.py): no page loads anything from the network.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    tags: "ams",            // \tag{2.1} numbers an equation, \label{...} + \eqref{...} refer to it
  },
  svg: { fontCache: "global" },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
};
document$.subscribe(() => {
  // Each page is a new document for MathJax: forget the labels of the page before.
  if (MathJax.startup && MathJax.startup.output) {
    MathJax.startup.output.clearCache && MathJax.startup.output.clearCache();
    MathJax.texReset();
    MathJax.typesetClear();
    MathJax.typesetPromise();
  }
});
