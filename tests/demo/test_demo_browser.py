"""The gallery in a real browser: headless Chromium opens `index.html` from `kerazoo demo`
(by file://, as a user double-clicks it: the page needs no server), every picture loads, and
the pointer over a latent explorer's map shows the image decoded at that point.

Driven by Selenium with the system's Chromium and its chromedriver (Debian's `chromium` and
`chromium-driver` packages; `.ci/run` installs them): no browser is downloaded. The test
skips, saying what is missing, where either or the `selenium` package is absent.
"""

import importlib.util
import io
import json
import os
import shutil
import tempfile

import matplotlib.image
import numpy as np
import pytest

from kerazoo.demo.sections import EXPLORER_ZOOM
from kerazoo.viz import latent_grid_points

#: Chromium offline and quiet: no first-run page, no update, sync or background requests
#: (the test machines have no internet; without these it keeps trying to reach Google).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--force-device-scale-factor=1", "--window-size=1280,1000")
#: Grid cells (row, col) the pointer visits on each map: corners, centre and two others.
CELLS = ((0, 0), (0, 23), (23, 0), (23, 23), (12, 12), (5, 17))


def _find(*candidates):
    for name in candidates:
        path = shutil.which(name) or (name if os.path.isfile(name) else None)
        if path:
            return path
    return None


CHROMIUM = _find("chromium", "/usr/bin/chromium", "chromium-browser")
CHROMEDRIVER = _find("chromedriver", "/usr/bin/chromedriver")


def _missing():
    """Why the browser cannot be driven here, or None."""
    if importlib.util.find_spec("selenium") is None:
        return "the browser test needs the `selenium` package (pip install -e '.[test]')"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return ("the browser test needs Chromium and chromedriver (Debian: apt-get install "
                f"chromium chromium-driver); found chromium={CHROMIUM}, "
                f"chromedriver={CHROMEDRIVER}")
    return None


# Checked before any fixture: without a browser, the gallery is not even built.
pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium under chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kerazoo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser, gallery):
    """The gallery's index.html open in Chromium (file://); yields (driver, gallery folder)."""
    out, result, _ = gallery
    assert result.failures == []
    browser.get((out / "index.html").resolve().as_uri())
    browser.execute_async_script(  # every <img> settled (loaded or failed)
        "var done = arguments[arguments.length - 1];"
        "Promise.all([...document.images].map(i => i.decode().catch(() => null)))"
        ".then(() => done(true));")
    return browser, out


def test_every_picture_on_the_page_loads(page):
    driver, out = page
    images = driver.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.complete, "
        "i.naturalWidth, i.naturalHeight]);")
    html = (out / "index.html").read_text(encoding="utf-8")
    broken = [src for src, complete, w, h in images if not (complete and w > 0 and h > 0)]
    assert broken == []
    assert len(images) == html.count("<img ") >= 8
    # The explorers' sprites are CSS backgrounds, not <img>: load each of their URLs too.
    sprites = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var urls = [...document.querySelectorAll('div.decoded')].map("
        "  d => getComputedStyle(d).backgroundImage.replace(/^url\\(\"?|\"?\\)$/g, ''));"
        "Promise.all(urls.map(u => new Promise(ok => { var i = new Image();"
        "  i.onload = () => ok([u, i.naturalWidth]); i.onerror = () => ok([u, 0]); i.src = u; })))"
        ".then(done);")
    assert len(sprites) == len(list(out.glob("hover-*-sprite.png"))) >= 2
    assert all(width > 0 for _, width in sprites), sprites
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # no script error, no failed request


def _screenshot(element):
    """The element's pixels, grey values in [0, 1], without its 1-pixel border."""
    rgba = matplotlib.image.imread(io.BytesIO(element.screenshot_as_png), format="png")
    return rgba[1:-1, 1:-1, 0]


@pytest.mark.parametrize("name", ["ae2d.fashion_mnist", "vae.fashion_mnist"])
def test_the_pointer_over_the_map_shows_the_image_decoded_there(page, name):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver, out = page
    info = json.loads((out / f"hover-{name}.json").read_text())
    n, (h, w) = info["n"], info["tile"]
    sprite = matplotlib.image.imread(out / info["sprite"])
    tiles = sprite.reshape(n, h, n, w).transpose(0, 2, 1, 3)  # [row, col] -> tile
    points = latent_grid_points(info["limits"], n)
    stem = f"hover-{name}"
    the_map = driver.find_element(By.CSS_SELECTOR, f'img.hover-map[data-target="{stem}"]')
    decoded, at = driver.find_element(By.ID, stem), driver.find_element(By.ID, f"{stem}-at")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", the_map)
    rect = driver.execute_script("var r = arguments[0].getBoundingClientRect();"
                                 "return [r.width, r.height];", the_map)
    assert at.text == "pointer over the map"
    shown = []
    for row, col in CELLS:
        # Selenium's offsets are from the element's centre; aim at the cell's centre.
        dx = round((col + 0.5) / n * rect[0] - rect[0] / 2)
        dy = round((row + 0.5) / n * rect[1] - rect[1] / 2)
        ActionChains(driver).move_to_element_with_offset(the_map, dx, dy).perform()
        picture = _screenshot(decoded)
        assert picture.shape == (h * EXPLORER_ZOOM, w * EXPLORER_ZOOM)
        # The tile decoded at this cell, drawn EXPLORER_ZOOM times larger, pixel for pixel.
        expected = np.kron(tiles[row, col], np.ones((EXPLORER_ZOOM, EXPLORER_ZOOM)))
        np.testing.assert_allclose(picture, expected, atol=2 / 255)
        x, y = (float(v) for v in at.text.strip("()").split(","))
        np.testing.assert_allclose([x, y], points[row * n + col], atol=0.005 + 1e-9)
        shown.append(picture)
    # The decoded image changes with the position: every visited cell shows its own image.
    for i in range(len(shown)):
        for j in range(i):
            assert np.abs(shown[i] - shown[j]).mean() > 0.01, (CELLS[i], CELLS[j])
