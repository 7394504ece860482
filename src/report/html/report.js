// csp-audit HTML report: the findings table, its filters and the evidence graphs, drawn from
// the JSON blob in #data. No request leaves the page: SVG is written as markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var PAGE = 500;
  var shown = PAGE;
  var esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  var $ = function (id) { return document.getElementById(id); };
  var rule = $("f-rule"), sev = $("f-sev"), ent = $("f-ent"), text = $("f-text");
  data.rules.forEach(function (r) {
    var o = document.createElement("option");
    o.value = r[0];
    o.textContent = r[0] + " " + r[1];
    rule.appendChild(o);
  });
  // Lower-cased search text per finding, made once.
  data.findings.forEach(function (f, i) {
    f.i = i;
    f.t = (f.r + " " + f.m + " " + f.e.join(" ") + " " + f.w.join(" ") + " " + f.f).toLowerCase();
    f.el = f.e.join(" ").toLowerCase();
  });
  function matching() {
    var r = rule.value, s = sev.value, e = ent.value.trim().toLowerCase(),
      t = text.value.trim().toLowerCase();
    return data.findings.filter(function (f) {
      return (!r || f.r === r) && (!s || f.s === s) && (!e || f.el.indexOf(e) >= 0) &&
        (!t || f.t.indexOf(t) >= 0);
    });
  }
  function row(f, i) {
    var tr = document.createElement("tr");
    tr.className = "finding";
    tr.dataset.i = i;
    tr.innerHTML = "<td>" + esc(f.r) + "</td><td class=\"sev " + esc(f.s) + "\">" + esc(f.s) +
      "</td><td>" + esc(f.m) + "</td><td class=\"ents\">" + f.e.map(esc).join("<br>") +
      "</td><td class=\"rows\">" + f.w.map(esc).join("<br>") + "</td><td class=\"fp\">" +
      esc(f.f) + "</td>";
    return tr;
  }
  function render() {
    var list = matching();
    var body = document.querySelector("#findings tbody");
    body.textContent = "";
    var frag = document.createDocumentFragment();
    list.slice(0, shown).forEach(function (f) {
      frag.appendChild(row(f, f.i));
    });
    body.appendChild(frag);
    $("f-count").textContent = list.length + " of " + data.findings.length + " findings" +
      (list.length > shown ? " (first " + shown + " shown)" : "");
    $("more").hidden = list.length <= shown;
  }
  function label(n) {
    var l = n[1];
    return l.length > 26 ? l.slice(0, 25) + "…" : l;
  }
  // Layered layout: organizations, partners, tenants; a cycle goes round a circle.
  function graph(f) {
    var g = f.g, W = 760, BW = 172, BH = 38;
    var pos = {};
    var inPath = g.e.some(function (e) { return e[5] === 2; });
    if (inPath) {
      var cyc = [];
      g.e.forEach(function (e) { if (e[5] === 2 && cyc.indexOf(e[0]) < 0) cyc.push(e[0]); });
      g.e.forEach(function (e) { if (e[5] === 2 && cyc.indexOf(e[1]) < 0) cyc.push(e[1]); });
      var R = 60 + cyc.length * 22, cx = Math.max(W / 2, R * 1.6 + BW / 2 + 10), cy = R + 30;
      cyc.forEach(function (n, i) {
        var a = -Math.PI / 2 + 2 * Math.PI * i / cyc.length;
        pos[n] = [cx + R * 1.6 * Math.cos(a), cy + R * Math.sin(a)];
      });
      var rest = g.n.filter(function (n) { return !(n in pos); });
      rest.forEach(function (n, i) { pos[n] = [BW / 2 + 10 + i * (BW + 20), cy + R + 80]; });
      var H = cy + R + (rest.length ? 110 : 40);
    } else {
      var layers = { organization: [], partner: [], tenant: [] };
      g.n.forEach(function (n) { layers[data.nodes[n][0]].push(n); });
      var y = 30, rows = [];
      ["organization", "partner", "tenant"].forEach(function (k) {
        if (layers[k].length) rows.push(layers[k]);
      });
      rows.forEach(function (ns) {
        var step = Math.max(BW + 24, W / (ns.length + 1));
        ns.forEach(function (n, i) { pos[n] = [step * (i + 1) - (ns.length > 4 ? step / 2 : 0), y]; });
        y += 110;
      });
      var H = y - 40;
    }
    var maxX = 0;
    Object.keys(pos).forEach(function (k) { maxX = Math.max(maxX, pos[k][0] + BW / 2 + 10); });
    W = Math.max(W, maxX);
    var s = "<svg viewBox=\"0 0 " + W + " " + H + "\" width=\"" + W + "\" height=\"" + H +
      "\" role=\"img\" aria-label=\"evidence\"><defs>" +
      ["row", "path", "ctx"].map(function (k) {
        var c = { row: "#1565c0", path: "#e65100", ctx: "#8a94a6" }[k];
        return "<marker id=\"a-" + k + "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" " +
          "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"" +
          c + "\"/></marker>";
      }).join("") + "</defs>";
    var seen = {};
    g.e.forEach(function (e) {
      var a = pos[e[0]], b = pos[e[1]];
      if (!a || !b) return;
      var key = e[0] + ">" + e[1], k = seen[key] = (seen[key] || 0) + 1;
      var cls = e[5] === 1 ? "row" : e[5] === 2 ? "path" : "ctx";
      // Clip the line at the boxes' edges.
      var dx = b[0] - a[0], dy = b[1] - a[1];
      var t = function (d) {
        var sx = Math.abs(dx) > 0 ? (BW / 2) / Math.abs(dx) : 1e9, sy = Math.abs(dy) > 0 ? (BH / 2) / Math.abs(dy) : 1e9;
        return Math.min(sx, sy, 0.45) * d;
      };
      var x1 = a[0] + t(dx), y1 = a[1] + t(dy), x2 = b[0] - t(dx), y2 = b[1] - t(dy);
      var bend = (k - 1) * 18, mx = (x1 + x2) / 2 - dy / Math.max(1, Math.hypot(dx, dy)) * bend,
        my = (y1 + y2) / 2 + dx / Math.max(1, Math.hypot(dx, dy)) * bend;
      s += "<path class=\"e e-" + cls + "\" d=\"M" + x1.toFixed(1) + "," + y1.toFixed(1) + " Q" +
        mx.toFixed(1) + "," + my.toFixed(1) + " " + x2.toFixed(1) + "," + y2.toFixed(1) +
        "\" marker-end=\"url(#a-" + cls + ")\"/>";
      var words = [e[2], e[3], e[4] ? "line " + e[4] : ""].filter(Boolean).join(" · ");
      var na = data.nodes[e[0]], nb = data.nodes[e[1]];
      var xr = na[5] && nb[5] && na[5] !== nb[5] && e[5] === 1;
      if (words) s += "<text class=\"el\" x=\"" + mx.toFixed(1) + "\" y=\"" + (my - 3).toFixed(1) + "\" text-anchor=\"middle\">" + esc(words) + "</text>";
      if (xr) s += "<text class=\"el xr\" x=\"" + mx.toFixed(1) + "\" y=\"" + (my + 10).toFixed(1) +
        "\" text-anchor=\"middle\">" + esc(na[5] + " → " + nb[5]) + "</text>";
    });
    g.n.forEach(function (n) {
      var d = data.nodes[n], p = pos[n];
      var hl = f.e.indexOf(d[1]) >= 0 ? " hl" : "";
      var sub = [d[3], d[4]].filter(Boolean).join(" · ");
      if (d[0] === "organization") sub = "organization";
      s += "<g class=\"n k-" + esc(d[0]) + " t-" + esc(d[3]) + hl + "\"><title>" + esc(d[0] + " " + d[1] + (d[2] ? " — " + d[2] : "")) +
        "</title><rect x=\"" + (p[0] - BW / 2) + "\" y=\"" + (p[1] - BH / 2) + "\" width=\"" + BW +
        "\" height=\"" + BH + "\" rx=\"6\"/><text x=\"" + p[0] + "\" y=\"" + (p[1] - 3) +
        "\" text-anchor=\"middle\">" + esc(label(d)) + "</text><text class=\"sub\" x=\"" + p[0] +
        "\" y=\"" + (p[1] + 11) + "\" text-anchor=\"middle\">" + esc(sub.length > 30 ? sub.slice(0, 29) + "…" : sub) + "</text></g>";
    });
    return s + "</svg>";
  }
  function toggle(tr) {
    var next = tr.nextSibling;
    if (next && next.classList && next.classList.contains("evidence")) {
      next.parentNode.removeChild(next);
      tr.classList.remove("open");
      return;
    }
    var f = data.findings[+tr.dataset.i];
    var ev = document.createElement("tr");
    ev.className = "evidence";
    ev.innerHTML = "<td colspan=\"6\"><div class=\"graph\">" + graph(f) + "</div><p class=\"gkey\">" +
      "blue: the finding's rows (kind · date · line); orange dashes: the cycle; red border: the " +
      "finding's entities; red text: the regions of a cross-region edge</p></td>";
    tr.parentNode.insertBefore(ev, tr.nextSibling);
    tr.classList.add("open");
  }
  document.querySelector("#findings tbody").addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr.finding");
    if (tr) toggle(tr);
  });
  [rule, sev].forEach(function (el) { el.addEventListener("change", function () { shown = PAGE; render(); }); });
  [ent, text].forEach(function (el) { el.addEventListener("input", function () { shown = PAGE; render(); }); });
  $("more").addEventListener("click", function () { shown += PAGE; render(); });
  var allowed = document.querySelector("#allowed tbody");
  if (allowed) {
    data.allowed.forEach(function (f) {
      var tr = document.createElement("tr");
      tr.innerHTML = "<td>" + esc(f.r) + "</td><td>" + esc(f.m) + "</td><td>" + esc(f.a) +
        "</td><td class=\"fp\">" + esc(f.f) + "</td>";
      allowed.appendChild(tr);
    });
  }
  // A link may set the filters and open a finding: `#rule=CSP005&severity=error&entity=ID&q=TEXT&open=N`
  // (N counts the rows shown, from 0).
  var hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has("rule")) rule.value = hash.get("rule");
  if (hash.has("severity")) sev.value = hash.get("severity");
  if (hash.has("entity")) ent.value = hash.get("entity");
  if (hash.has("q")) text.value = hash.get("q");
  render();
  if (/^\d+$/.test(hash.get("open") || "")) {
    var tr = document.querySelectorAll("#findings tbody tr.finding")[+hash.get("open")];
    if (tr) toggle(tr);
  }
})();
