"""The wheel, installed alone, with no clone: the zoo comes from the mirror (issue 28, item 4).

How it is done, with no internet:

1. The package's sources (`kerazoo/`, `setup.cfg`, `pyproject.toml`, `README.md`; no `zoo/`,
   no `tests/`) are copied to a temporary folder and built there with
   `pip wheel --no-deps --no-build-isolation` (the running environment's setuptools; an
   isolated build would download setuptools). The wheel must hold `registry.json` and the
   recipe templates, and no zoo weights (`.keras`, `.h5`, SavedModel files).
2. A fresh virtualenv is made with `python -m venv --without-pip`, and the wheel is
   installed into it alone, with `--no-deps`, by the running environment's pip
   (`pip --python VENV install`).
3. The dependencies (Keras, TensorFlow, pooch, ...) are not downloaded: a `.pth` file in the
   new virtualenv appends the running environment's site-packages folder to `sys.path`,
   after the virtualenv's own. Python reads `.pth` files only in site folders, not in
   folders a `.pth` file adds, so the editable install of the clone that site-packages
   holds is not active there; the test checks that `kerazoo` is imported from the
   virtualenv and that no `zoo/` lies next to it.
4. In a working folder outside the clone, with `$KERAZOO_ZOO` and `$PYTHONPATH` unset:
   `kerazoo list` shows the 16 registered entries as not downloaded; with
   `$KERAZOO_ZOO_URL` at a loopback `http.server` serving the clone's `zoo/`, a script loads
   all 16; the server is stopped and the same script loads all 16 again, from the cache.
"""

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kerazoo.hub.registry import read_registry

ROOT = Path(__file__).resolve().parents[2]
N_ENTRIES = 16

LOAD_ALL = """
import warnings, kerazoo
from kerazoo.hub.registry import registered_names
warnings.filterwarnings("ignore")
print("kerazoo from", kerazoo.__file__)
for name in registered_names():
    model = kerazoo.load(name)
    print("loaded", name, type(model).__name__)
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _run(args, env, cwd):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_a_wheel_alone_loads_the_zoo_from_the_mirror_then_offline(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "kerazoo", src / "kerazoo",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--no-index", "-w", str(dist), str(src)], dict(os.environ), tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("kerazoo-*.whl")
    members = zipfile.ZipFile(wheel).namelist()
    assert "kerazoo/hub/registry.json" in members
    assert any(m.startswith("kerazoo/recipes/templates/") and m.endswith(".toml") for m in members)
    weights = [m for m in members if m.startswith("zoo/") or m.endswith((".keras", ".h5", ".pb"))
               or "/variables/" in m]
    assert weights == []

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    install = _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--no-deps", "--no-index", str(wheel)], dict(os.environ), tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    site = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "KERAZOO_ZOO", "KERAZOO_ZOO_URL", "VIRTUAL_ENV")}
    env.update(KERAZOO_CACHE=str(tmp_path / "cache"), KERAZOO_FETCH_RETRIES="0",
               TF_CPP_MIN_LOG_LEVEL="2", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")

    listed = _run([str(venv / "bin" / "kerazoo"), "list", "--wide"], env, work)
    assert listed.returncode == 0, listed.stderr
    names = sorted(read_registry()["entries"])
    assert len(names) == N_ENTRIES
    rows = [line for line in listed.stdout.splitlines() if line.split()[:1] and line.split()[0] in names]
    assert len(rows) == N_ENTRIES and all("[not downloaded]" in row for row in rows), listed.stdout

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(ROOT)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    env["KERAZOO_ZOO_URL"] = f"http://127.0.0.1:{httpd.server_address[1]}/zoo"
    try:
        online = _run([str(venv / "bin" / "python"), "-c", LOAD_ALL], env, work)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert online.returncode == 0, online.stdout + online.stderr
    origin = online.stdout.splitlines()[0]
    assert origin.startswith(f"kerazoo from {site}"), origin
    assert not (site / "zoo").exists() and not (site.parent / "zoo").exists()
    assert sorted(line.split()[1] for line in online.stdout.splitlines()
                  if line.startswith("loaded ")) == names

    offline = _run([str(venv / "bin" / "python"), "-c", LOAD_ALL], env, work)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert [line for line in offline.stdout.splitlines() if line.startswith("loaded ")] == \
        [line for line in online.stdout.splitlines() if line.startswith("loaded ")]

    listed = _run([str(venv / "bin" / "kerazoo"), "list", "--wide"], env, work)
    rows = [line for line in listed.stdout.splitlines() if line.split()[:1] and line.split()[0] in names]
    assert len(rows) == N_ENTRIES and all("[cached]" in row for row in rows), listed.stdout
