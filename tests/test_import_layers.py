"""The package structure holds: no import cycle among kerazoo's packages, the import-linter
contracts of setup.cfg are kept, and no module imports the top-level `kerazoo` package
(which would pull every layer in). grimp is the graph library import-linter uses."""

import configparser
import itertools
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def _packages(graph):
    return sorted(m for m in graph.find_children("kerazoo"))


def test_no_import_cycle_among_kerazoo_packages():
    graph = grimp.build_graph("kerazoo")
    cycles = [
        (a, b)
        for a, b in itertools.combinations(_packages(graph), 2)
        if graph.chain_exists(importer=a, imported=b, as_packages=True)
        and graph.chain_exists(importer=b, imported=a, as_packages=True)
    ]
    assert cycles == []


def test_no_module_imports_the_top_level_package():
    graph = grimp.build_graph("kerazoo")
    importers = sorted(graph.find_modules_that_directly_import("kerazoo"))
    assert importers == []


def test_models_import_only_keras_numpy_and_the_lower_layers():
    graph = grimp.build_graph("kerazoo")
    allowed = ("kerazoo.models", "kerazoo.layers", "kerazoo.metrics", "kerazoo.utils")
    bad = {
        module: sorted(i for i in graph.find_modules_directly_imported_by(module)
                       if i.startswith("kerazoo") and not i.startswith(allowed))
        for module in graph.find_descendants("kerazoo.models") | {"kerazoo.models"}
    }
    assert {m: v for m, v in bad.items() if v} == {}


def test_the_import_linter_contracts_are_kept():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config.has_section("importlinter:contract:layers")
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--config", str(ROOT / "setup.cfg")], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "0 broken" in proc.stdout
