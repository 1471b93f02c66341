"""The explorer's inline JavaScript, run by Node on a stand-in DOM: the pointer over grid
cell (row, col) shows sprite tile (row, col) and that cell's centre, the point the
sprite's image was decoded at (`latent_grid_points`)."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from kerazoo.demo.page import SCRIPT
from kerazoo.viz import latent_grid_points

HARNESS = """
const handlers = {};
const map = {dataset: {n: "%(n)d", limits: "%(limits)s", target: "t"},
             getBoundingClientRect: () => ({left: 10, top: 20, width: 480, height: 480}),
             addEventListener: (type, f) => { handlers[type] = f; }};
const out = {style: {}, clientWidth: 112, clientHeight: 112}, at = {textContent: ""};
global.document = {querySelectorAll: (sel) => sel === "img.hover-map" ? [map] : [],
                   getElementById: (id) => ({t: out, "t-at": at})[id]};
%(script)s
const shown = [];
for (const [x, y] of %(pointers)s) {
  handlers.mousemove({clientX: 10 + x, clientY: 20 + y});
  shown.push([out.style.backgroundPosition, at.textContent]);
}
console.log(JSON.stringify(shown));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_pointer_shows_the_tile_and_point_of_the_cell_under_it():
    n, limits = 24, (-1.0, 1.0, -2.0, 2.0)
    cells = [(0, 0), (5, 2), (23, 23), (11, 17)]
    # Pointer positions in the 480-pixel map: inside each cell (a quarter in), plus the
    # far edge (480, 480), which belongs to the last cell.
    pointers = [[(c + 0.25) * 480 / n, (r + 0.75) * 480 / n] for r, c in cells] + [[480, 480]]
    script = HARNESS % {"n": n, "limits": ",".join(map(str, limits)), "script": SCRIPT,
                        "pointers": json.dumps(pointers)}
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    points = latent_grid_points(limits, n)
    for (r, c), (position, text) in zip(cells + [(23, 23)], shown):
        assert position == f"{-c * 112}px {-r * 112}px"
        x, y = (float(v) for v in text.strip("()").split(","))
        np.testing.assert_allclose([x, y], points[r * n + c], atol=0.005)
