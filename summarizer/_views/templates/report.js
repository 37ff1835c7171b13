/* summarizer report: panel items jump to their span in the article, and back. */
(function () {
  "use strict";
  if (window.__summarizerReport) { return; }
  window.__summarizerReport = true;
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var behavior = reduce ? "auto" : "smooth";
  var hoverTimer = null;

  function marks(id) {
    return Array.prototype.slice.call(document.querySelectorAll('[data-hl="' + id + '"]'));
  }

  /* Scroll the article's own box so the span sits in its middle; the page scrolls only when
     the box itself is out of view, so the panel under the pointer stays where it is. */
  function reveal(el, scrollPage) {
    var box = el.closest(".sr-article");
    if (box && box.scrollHeight > box.clientHeight) {
      var r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
      var offset = r.top - b.top - (box.clientHeight - Math.min(r.height, box.clientHeight)) / 2;
      box.scrollTo({ top: box.scrollTop + offset, behavior: behavior });
    }
    if (scrollPage) {
      var target = box || el;
      var t = target.getBoundingClientRect();
      if (t.top < 0 || t.bottom > window.innerHeight) {
        (box && box.scrollHeight > box.clientHeight ? box : el)
          .scrollIntoView({ block: box ? "nearest" : "center", behavior: behavior });
      }
    }
  }

  function flash(els) {
    els.forEach(function (el) {
      el.classList.remove("flash");
      void el.offsetWidth; /* restart the animation */
      el.classList.add("flash");
      clearTimeout(el.__flashTimer);
      el.__flashTimer = setTimeout(function () { el.classList.remove("flash"); }, 1800);
    });
  }

  function jump(id) {
    var els = marks(id);
    if (!els.length) { return false; }
    reveal(els[0], true);
    flash(els);
    return true;
  }

  function light(id, on) {
    marks(id).forEach(function (el) { el.classList.toggle("lit", on); });
  }

  function link(event) {
    var el = event.target.closest ? event.target.closest("[data-target]") : null;
    return el && el.closest(".sumrep") ? el : null;
  }

  document.addEventListener("click", function (event) {
    var el = link(event);
    if (el) {
      if (jump(el.getAttribute("data-target"))) { event.preventDefault(); }
      return;
    }
    /* A highlight in the article: show the panel item that points at it. */
    var mark = event.target.closest ? event.target.closest(".sr-article [data-hl]") : null;
    while (mark) {
      var id = mark.getAttribute("data-hl");
      var item = document.querySelector('[data-target="' + id + '"]');
      if (item) {
        item.scrollIntoView({ block: "nearest", behavior: behavior });
        flash([item]);
        return;
      }
      mark = mark.parentElement ? mark.parentElement.closest(".sr-article [data-hl]") : null;
    }
  });

  document.addEventListener("mouseover", function (event) {
    var el = link(event);
    if (!el || (event.relatedTarget && el.contains(event.relatedTarget))) { return; }
    var id = el.getAttribute("data-target");
    light(id, true);
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(function () {
      var els = marks(id);
      if (els.length) { reveal(els[0], false); flash(els); }
    }, 350);
  });

  document.addEventListener("mouseout", function (event) {
    var el = link(event);
    if (!el || (event.relatedTarget && el.contains(event.relatedTarget))) { return; }
    clearTimeout(hoverTimer);
    light(el.getAttribute("data-target"), false);
  });

  document.addEventListener("focusin", function (event) {
    var el = link(event);
    if (!el) { return; }
    var els = marks(el.getAttribute("data-target"));
    els.forEach(function (m) { m.classList.add("lit"); });
    if (els.length) { reveal(els[0], false); }
  });

  document.addEventListener("focusout", function (event) {
    var el = link(event);
    if (el) { light(el.getAttribute("data-target"), false); }
  });
})();
