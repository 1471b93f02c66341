"""The gallery's `index.html`: one static page, its pictures next to it, a few lines of
inline JavaScript for the latent explorer and nothing to fetch."""

from kerazoo.demo.gallery import PAGE_MARK, escape

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1150px; margin: 1em auto; padding: 0 1em; color: #222; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
figure { display: inline-block; margin: .5em 1em 1em 0; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption, .card { font-size: .85em; color: #444; max-width: 720px; }
.failure { background: #fdecea; border-left: 4px solid #c62828; padding: .4em .8em; white-space: pre-wrap; font-size: .85em; }
.explorer { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
.hover-map { cursor: crosshair; border: 1px solid #ccc; }
.decoded { image-rendering: pixelated; border: 1px solid #ccc; background-color: #000; }
.at { font-family: monospace; font-size: .85em; }
table { border-collapse: collapse; font-size: .85em; margin: .3em 0; }
td, th { border: 1px solid #ddd; padding: .2em .5em; text-align: left; vertical-align: top; }
.recs ol { margin: 0; padding-left: 1.4em; }
"""

# Pointer over a map -> the sprite tile of the grid cell under it, and that point's coordinates.
SCRIPT = """
document.querySelectorAll("img.hover-map").forEach(function (map) {
  var n = +map.dataset.n, lim = map.dataset.limits.split(",").map(Number);
  var out = document.getElementById(map.dataset.target), at = document.getElementById(map.dataset.target + "-at");
  map.addEventListener("mousemove", function (e) {
    var r = map.getBoundingClientRect(), fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    var col = Math.max(0, Math.min(n - 1, Math.floor(fx * n))), row = Math.max(0, Math.min(n - 1, Math.floor(fy * n)));
    out.style.backgroundPosition = (-col * out.clientWidth) + "px " + (-row * out.clientHeight) + "px";
    at.textContent = "(" + (lim[0] + (col + .5) / n * (lim[1] - lim[0])).toFixed(2) + ", " + (lim[3] - (row + .5) / n * (lim[3] - lim[2])).toFixed(2) + ")";
  });
});
"""


def render(gallery, entries, data, missing):
    """The page's HTML. `missing` lists zoo entries that could not be loaded."""
    shown = [s for s in gallery.sections if s.items]  # no empty headings
    toc = "".join(f'<li><a href="#{s.key}">{escape(s.title)}</a></li>' for s in shown)
    rows = "".join(
        f"<tr><td><code>{escape(e.name)}</code></td><td>{escape(type(e.model).__name__)}</td>"
        f"<td>{escape(e.summary)}</td></tr>" for e in entries)
    rows += "".join(f"<tr><td><code>{escape(n)}</code></td><td colspan=2>not loaded (see the "
                    "failures)</td></tr>" for n in missing)
    failures = ""
    if gallery.failures or gallery.notes:
        items = "".join(f'<div class="failure"><b>{escape(w)}</b>: {escape(m)}</div>'
                        for w, m in gallery.failures + gallery.notes)
        failures = (f"<h2 id=\"failures\">{len(gallery.failures)} failed, "
                    f"{len(gallery.notes)} skipped</h2>{items}")
    body = "".join(_section(s) for s in shown)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{PAGE_MARK}
<style>{STYLE}</style></head><body>
<h1>kerazoo gallery</h1>
<p>{len(entries)} zoo entries, {len(gallery.pictures)} pictures, made by <code>kerazoo demo</code>
in {gallery.elapsed():.0f} s. Test images: {escape(data.source) if data else "none"}.
The numbers after "card" are the entries' own evaluation (<code>metadata.json</code> metrics).</p>
<ul>{toc}</ul>
{failures}
<h2 id="entries">Zoo entries</h2><table><tr><th>name</th><th>class</th><th>summary</th></tr>{rows}</table>
{body}
<script>{SCRIPT}</script>
</body></html>
"""


def _section(section):
    parts = [f'<h2 id="{section.key}">{escape(section.title)}</h2>']
    if section.intro:
        parts.append(f"<p>{section.intro}</p>")
    for item in section.items:
        if item.kind == "image":
            parts.append(f'<figure><img src="{escape(item.body)}" alt="{escape(item.body)}">'
                         f"<figcaption>{item.caption}</figcaption></figure>")
        elif item.kind == "html":
            parts.append(item.body)
        else:
            parts.append(f'<div class="failure">{escape(item.body)}</div>')
    return "\n".join(parts) + "\n"
