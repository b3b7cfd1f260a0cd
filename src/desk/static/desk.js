// Keyboard shortcuts for working through the comments, all with Alt so that they do not take
// keys a screen reader uses: Alt+J and Alt+K move to the next and the previous comment still to
// decide, Alt+Enter records the decision of the comment in focus.
(function () {
  "use strict";
  function undecided() {
    return Array.prototype.slice.call(document.querySelectorAll("article.comment[data-undecided]"));
  }
  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("article.comment") : null;
  }
  function move(step) {
    var list = undecided();
    if (list.length === 0) { return; }
    var at = list.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : at + step;
    if (next < 0 || next >= list.length) { return; }
    var target = list[next];
    var field = target.querySelector("form.decide select");
    (field || target).focus();
    target.scrollIntoView({ block: "center" });
  }
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "j" || event.key === "J") { event.preventDefault(); move(1); }
    else if (event.key === "k" || event.key === "K") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter") {
      var article = current();
      var form = article && article.querySelector("form.decide");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });
})();
