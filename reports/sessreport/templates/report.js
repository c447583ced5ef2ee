// sessionspec report: the only script. Filters table rows by request and handler method, and
// expands/collapses sections. The filter can be preset from the URL: report.html#req=1-2&method=write
(function () {
  "use strict";
  var reqInput = document.getElementById("filter-request");
  var methodSel = document.getElementById("filter-method");
  var countOut = document.getElementById("filter-count");

  // "2", "1-3", "1,4-5" -> a Set of request numbers; "" -> null (no restriction).
  function parseRequests(text) {
    text = text.trim();
    if (!text) return null;
    var set = new Set();
    text.split(/[\s,]+/).forEach(function (part) {
      var m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) return;
      var lo = +m[1], hi = m[2] ? +m[2] : lo;
      for (var n = lo; n <= hi && n - lo < 100000; n++) set.add(n);
    });
    return set;
  }

  function apply() {
    var reqs = parseRequests(reqInput.value);
    var method = methodSel.value;
    var rows = document.querySelectorAll("tr[data-request]");
    var matchedGroups = new Set();
    var shown = 0;
    // Pass 1: rows naming handler methods decide alone; remember their groups (script call) when they match.
    rows.forEach(function (tr) {
      var okReq = !reqs || reqs.has(+tr.dataset.request);
      var methods = tr.dataset.method;
      var show = okReq;
      if (method && methods !== undefined) {
        show = okReq && methods.split(" ").indexOf(method) >= 0;
        if (show && tr.dataset.group) matchedGroups.add(tr.dataset.group);
      }
      tr.hidden = !show;
    });
    // Pass 2: with a method filter, keep a script/response row only if one of its handler calls matched,
    // and keep request header rows so that context stays visible.
    if (method) {
      rows.forEach(function (tr) {
        if (tr.dataset.method !== undefined || tr.hidden) return;
        if (tr.classList.contains("request")) return;
        tr.hidden = !(tr.dataset.group && matchedGroups.has(tr.dataset.group));
      });
    }
    rows.forEach(function (tr) { if (!tr.hidden) shown++; });
    dimDiagrams(reqs, method);
    countOut.textContent = (reqs || method) ? shown + " of " + rows.length + " rows shown" : "";
    var hash = [];
    if (reqInput.value.trim()) hash.push("req=" + encodeURIComponent(reqInput.value.trim()));
    if (method) hash.push("method=" + encodeURIComponent(method));
    try {  // keep the filter in the URL so that a filtered view can be shared; file:// may refuse
      history.replaceState(null, "", hash.length ? "#" + hash.join("&") : location.pathname + location.search);
    } catch (e) { /* not important */ }
  }

  // Diagrams keep their layout (removing arrows would scramble the picture): non-matching events are dimmed.
  function dimDiagrams(reqs, method) {
    document.querySelectorAll("svg.sequence g.ev").forEach(function (g) {
      var match = (!reqs || reqs.has(+g.dataset.request)) &&
                  (!method || g.dataset.method === undefined || g.dataset.method === method);
      g.classList.toggle("dim", !match);
    });
  }

  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 150); }

  function setAll(open) {
    document.querySelectorAll("details").forEach(function (d) { d.open = open; });
  }

  function fromHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (!params.has("req") && !params.has("method")) return;
    reqInput.value = params.get("req") || "";
    methodSel.value = params.get("method") || "";
    apply();
  }

  // Copy buttons next to replay lines: the clipboard API where the page may use it, else a
  // selected text area and execCommand (file:// pages are not always a secure context).
  function copyText(button) {
    var text = button.dataset.copy;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }
  document.querySelectorAll("button.copy").forEach(function (b) {
    b.addEventListener("click", function () { copyText(b); });
  });

  reqInput.addEventListener("input", later);
  methodSel.addEventListener("change", apply);
  document.getElementById("expand-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setAll(false); });
  fromHash();
})();
