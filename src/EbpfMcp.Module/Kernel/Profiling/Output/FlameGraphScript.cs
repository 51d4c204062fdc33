namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>
/// The flame graph's script (written here, after flamegraph.pl's behaviour): hover details, click
/// to zoom, Reset Zoom, regular-expression search with the matched share, Ctrl+F and Escape.
/// Frame positions live in the rects' x/width; the original ones are kept in data attributes.
/// </summary>
internal static class FlameGraphScript
{
    public const string Source = """
        "use strict";
        var svg = document.documentElement, frames = document.getElementById("frames");
        var details = document.getElementById("details"), matchedText = document.getElementById("matched");
        var resetButton = document.getElementById("reset"), searchButton = document.getElementById("search");
        var pad = 10, width = +svg.getAttribute("width"), fontSize = 12, fontWidth = 0.59;
        var groups = Array.prototype.slice.call(frames.getElementsByTagName("g"));
        groups.forEach(function (g) {
          var r = g.querySelector("rect");
          r.setAttribute("data-x", r.getAttribute("x"));
          r.setAttribute("data-width", r.getAttribute("width"));
          g.addEventListener("mouseover", function () { details.textContent = "Function: " + g.querySelector("title").textContent; });
          g.addEventListener("mouseout", function () { details.textContent = " "; });
          g.addEventListener("click", function () { zoom(g); });
        });
        function fit(g) {
          var r = g.querySelector("rect"), t = g.querySelector("text"), name = r.getAttribute("data-name");
          var w = +r.getAttribute("width"), chars = Math.floor((w - 6) / (fontSize * fontWidth));
          t.setAttribute("x", (+r.getAttribute("x") + 3).toFixed(1));
          t.textContent = chars < 3 ? "" : name.length <= chars ? name : name.substring(0, chars - 2) + "..";
        }
        function zoom(target) {
          var tr = target.querySelector("rect"), x = +tr.getAttribute("data-x"), w = +tr.getAttribute("data-width"), y = +tr.getAttribute("y");
          var ratio = (width - 2 * pad) / w;
          resetButton.classList.add("show"); resetButton.classList.remove("hide");
          groups.forEach(function (g) {
            var r = g.querySelector("rect"), gx = +r.getAttribute("data-x"), gw = +r.getAttribute("data-width"), gy = +r.getAttribute("y");
            g.classList.remove("hide", "parent");
            if (gy > y) {
              if (gx <= x + 0.01 && gx + gw >= x + w - 0.01) {
                g.classList.add("parent");
                r.setAttribute("x", pad); r.setAttribute("width", (width - 2 * pad).toFixed(1));
              } else {
                g.classList.add("hide");
              }
            } else if (gx < x - 0.01 || gx + gw > x + w + 0.01) {
              g.classList.add("hide");
            } else {
              r.setAttribute("x", (pad + (gx - x) * ratio).toFixed(1));
              r.setAttribute("width", (gw * ratio).toFixed(1));
            }
            fit(g);
          });
        }
        function resetZoom() {
          resetButton.classList.remove("show"); resetButton.classList.add("hide");
          groups.forEach(function (g) {
            var r = g.querySelector("rect");
            g.classList.remove("hide", "parent");
            r.setAttribute("x", r.getAttribute("data-x"));
            r.setAttribute("width", r.getAttribute("data-width"));
            fit(g);
          });
        }
        function search(term) {
          var re, spans = [];
          try { re = new RegExp(term); } catch (e) { alert("Not a regular expression: " + term); return; }
          groups.forEach(function (g) {
            var r = g.querySelector("rect");
            if (!r.hasAttribute("data-fill")) r.setAttribute("data-fill", r.getAttribute("fill"));
            if (re.test(r.getAttribute("data-name"))) {
              r.setAttribute("fill", "rgb(230,0,230)");
              spans.push([+r.getAttribute("data-x"), +r.getAttribute("data-x") + +r.getAttribute("data-width")]);
            } else {
              r.setAttribute("fill", r.getAttribute("data-fill"));
            }
          });
          // A match inside another match is not counted twice: merge the covered intervals.
          spans.sort(function (a, b) { return a[0] - b[0]; });
          var covered = 0, end = -1;
          spans.forEach(function (s) {
            if (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }
            else if (s[1] > end) { covered += s[1] - end; end = s[1]; }
          });
          matchedText.textContent = spans.length ? "Matched: " + (100 * covered / (width - 2 * pad)).toFixed(1) + "%" : "";
          searchButton.classList.add("show");
          searchButton.textContent = "Reset Search";
        }
        function resetSearch() {
          groups.forEach(function (g) {
            var r = g.querySelector("rect");
            if (r.hasAttribute("data-fill")) r.setAttribute("fill", r.getAttribute("data-fill"));
          });
          matchedText.textContent = "";
          searchButton.classList.remove("show");
          searchButton.textContent = "Search";
        }
        function askSearch() {
          if (searchButton.textContent === "Reset Search") { resetSearch(); return; }
          var term = prompt("Search for (regular expression):", "");
          if (term) search(term);
        }
        resetButton.addEventListener("click", resetZoom);
        searchButton.addEventListener("click", askSearch);
        window.addEventListener("keydown", function (e) {
          if ((e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); askSearch(); }
          else if (e.key === "Escape") { resetZoom(); resetSearch(); }
        });
        """;
}
