// Keyboard shortcuts for working through the comments. Those with Alt are always on, since they
// do not take keys a screen reader uses: Alt+J and Alt+K move to the next and the previous
// comment still to decide, Alt+Enter records the decision of the comment in focus. Single keys
// (J, K, 1 to 4 for the outcome, R for the reason, Enter to record) are off until the drafter
// turns them on; the choice is kept in this browser.
(function () {
  "use strict";
  var STORED = "consult.singleKeys";
  var toggle = document.getElementById("single-keys");
  function singleKeys() { return toggle !== null && toggle.checked; }
  if (toggle) {
    try { toggle.checked = window.localStorage.getItem(STORED) === "on"; } catch (e) { /* private mode */ }
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(STORED, toggle.checked ? "on" : "off"); } catch (e) { /* private mode */ }
    });
  }
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
    // With single keys on, the comment itself takes focus: a list in focus would take the key.
    var field = singleKeys() ? null : target.querySelector("form.decide select");
    (field || target).focus();
    target.scrollIntoView({ block: "center" });
  }
  function record() {
    var article = current();
    var form = article && article.querySelector("form.decide");
    if (form) { form.requestSubmit(); return true; }
    return false;
  }
  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    if (tag === "INPUT") { return ["checkbox", "radio", "button", "submit", "reset"].indexOf(element.type) < 0; }
    return tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }
  function single(event) {
    var article = current();
    var key = event.key.toLowerCase();
    if (key === "j") { move(1); return true; }
    if (key === "k") { move(-1); return true; }
    if (!article) { return false; }
    var form = article.querySelector("form.decide");
    if (!form) { return false; }
    var outcome = form.querySelector("select[name=outcome]");
    if (outcome && key >= "1" && key <= "4") {
      var options = Array.prototype.filter.call(outcome.options, function (o) { return o.value !== ""; });
      var chosen = options[Number(key) - 1];
      if (chosen) { outcome.value = chosen.value; }
      return true;
    }
    if (key === "r") {
      var reason = form.querySelector("textarea[name=reason]");
      if (reason) { reason.focus(); }
      return true;
    }
    if (event.key === "Enter") { return record(); }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey) { return; }
    if (event.altKey) {
      var key = event.key.toLowerCase();
      if (key === "j") { event.preventDefault(); move(1); }
      else if (key === "k") { event.preventDefault(); move(-1); }
      else if (event.key === "Enter" && record()) { event.preventDefault(); }
      return;
    }
    if (!singleKeys() || event.shiftKey || typing(document.activeElement)) { return; }
    if (single(event)) { event.preventDefault(); }
  });
})();
