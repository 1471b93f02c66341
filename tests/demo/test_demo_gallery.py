"""`kerazoo demo` on the shipped zoo: the page, its pictures, the latent explorer's data,
a broken entry and an unwritable output folder. The gallery fixture is in conftest.py."""

import json
import re

import matplotlib.image
import numpy as np
import pytest

import kerazoo
from kerazoo import hub
from kerazoo.cli import main
from kerazoo.datasets import load_fashion_mnist
from kerazoo.demo import build_gallery
from kerazoo.viz import latent_grid_points


def test_the_gallery_of_the_shipped_zoo(gallery):
    out, result, progress = gallery
    assert result.failures == []
    page = (out / "index.html").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) >= 6 and sorted(result.pictures) == pngs
    for name in pngs:  # every picture is on the page (the sprites through the explorer's CSS)
        assert f"{name}" in page, name
    # Every kind of picture the issue asks for, found by what the models can do.
    for expected in ("samples-rbm.fashion_mnist.png", "samples-dbn.fashion_mnist.png",
                     "samples-vae.fashion_mnist.png", "reconstructions.png", "denoising.png",
                     "inpainting.png", "map-ae2d.fashion_mnist.png", "map-ae.fashion_mnist.png",
                     "manifold-ae2d.fashion_mnist.png", "interpolation-vae.fashion_mnist.png",
                     "confusion-dec.fashion_mnist.png", "filters-rbm.fashion_mnist.png",
                     "filters-dbn.fashion_mnist.png", "folds-autorec.movielens_100k.png"):
        assert expected in pngs
    assert not any("movielens" in p for p in pngs if p.startswith(("samples", "filters")))
    # Feature extractors (RBM/DBN `encode` = `transform`, classifiers' features) are shown by
    # their filters, samples and predictions, not on code maps.
    assert not any(p.startswith(("map-", "hover-")) and p.split("-", 1)[1].startswith(
        ("rbm.", "grbm.", "dbn.", "dbn_classifier.")) for p in pngs)
    # Numbers from the cards, as the cards have them.
    for name, key in (("dae.fashion_mnist", "denoised_psnr"), ("dec.fashion_mnist", "accuracy"),
                      ("rbm.fashion_mnist", "test_log_likelihood")):
        value = hub.entry_metadata(name)["metrics"][key]
        assert f"{key} <b>{value:.4g}</b>" in page
    # Recommendations for the sample user: ten titles per recommender.
    recs = re.search(r'<table class="recs">(.*?)</table>', page, re.S).group(1)
    assert recs.count("<li>") == 30 and "Toy Story (1995)" in recs
    # Progress: one line per loaded entry and per picture.
    assert progress.count("loaded ") == len(kerazoo.list_models())
    assert all(f"] {p} (" in progress for p in pngs)


@pytest.mark.parametrize("name", ["ae2d.fashion_mnist", "vae.fashion_mnist"])
def test_the_explorer_shows_the_decoder_output_at_the_grid_points(gallery, name):
    out, _, _ = gallery
    info = json.loads((out / f"hover-{name}.json").read_text())
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'src="hover-{name}-map.png"' in page and f'data-n="{info["n"]}"' in page
    assert f"url('{info['sprite']}')" in page
    model = kerazoo.load(name)
    points = latent_grid_points(info["limits"], info["n"])
    if info["basis"] is None:  # the code-2 autoencoder: the map is its code space
        latents = points
    else:  # the VAE: the plane of the test codes' first two principal directions
        origin, basis = np.array(info["origin"]), np.array(info["basis"])
        np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-5)
        x, _ = load_fashion_mnist("test")
        np.testing.assert_allclose(origin, model.encode(x[:1024]).mean(axis=0), atol=1e-4)
        latents = (origin + points @ basis).astype("float32")
    expected = model.decode(latents)[..., 0]
    sprite = matplotlib.image.imread(out / info["sprite"])  # grey, 8 bits
    n, (h, w) = info["n"], info["tile"]
    assert sprite.shape == (n * h, n * w)
    tiles = sprite.reshape(n, h, n, w).transpose(0, 2, 1, 3).reshape(n * n, h, w)
    np.testing.assert_allclose(tiles, expected, atol=0.5 / 255 + 1e-6)
    assert tiles.reshape(n * n, -1).std(axis=0).mean() > 0.1  # the decoded images change
    # The map's corners: cell centres half a cell inside the limits, top row = largest y.
    x0, x1, y0, y1 = info["limits"]
    np.testing.assert_allclose(points[0], [x0 + (x1 - x0) / (2 * n), y1 - (y1 - y0) / (2 * n)],
                               rtol=1e-5)
    picture = matplotlib.image.imread(out / info["map"])
    assert picture.shape[:2] == (600, 600)


def test_a_broken_entry_and_a_failed_picture_are_reported_and_the_rest_written(
        tmp_path, monkeypatch, capsys):
    real_load = hub.load

    def load(name, *args, **kwargs):
        if name == "rbm.fashion_mnist":
            raise OSError("simulated broken entry")
        model = real_load(name, *args, **kwargs)
        if name == "grbm.fashion_mnist":
            def sample(n, *, seed=None, gibbs_steps=1000):
                raise RuntimeError("simulated sampling failure")

            model.sample = sample
        return model

    monkeypatch.setattr(hub, "load", load)
    assert main(["demo", "--out", str(tmp_path), "--model", "rbm.fashion_mnist",
                 "--model", "grbm.fashion_mnist"]) == 1
    stdout = capsys.readouterr().out
    assert "FAILED load rbm.fashion_mnist: OSError: simulated broken entry" in stdout
    assert "FAILED samples-grbm.fashion_mnist.png: RuntimeError: simulated sampling failure" in stdout
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "simulated broken entry" in page and "simulated sampling failure" in page
    assert "2 failed" in page
    written = {p.name for p in tmp_path.glob("*.png")}
    assert written == {"reconstructions.png", "filters-grbm.fashion_mnist.png"}
    assert 'src="filters-grbm.fashion_mnist.png"' in page


def test_an_unwritable_output_folder_is_a_clear_error_before_any_work(tmp_path, monkeypatch,
                                                                     capsys):
    def load(*args, **kwargs):
        raise AssertionError("a model was loaded before the output folder was checked")

    monkeypatch.setattr(hub, "load", load)
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "gallery"):
        with pytest.raises(ValueError, match=f"The gallery folder {re.escape(str(out))} cannot "
                           "be written: .*Pass --out a folder you can write to"):
            build_gallery(out)
    assert main(["demo", "--out", str(a_file / "gallery")]) == 1
    err = capsys.readouterr().err
    assert "kerazoo demo: ValueError: The gallery folder" in err and "Not a directory" in err


def test_an_unknown_entry_name_is_an_error_with_close_matches(tmp_path):
    with pytest.raises(hub.UnknownModelError, match="Did you mean 'vae.fashion_mnist'"):
        build_gallery(tmp_path, names=["vae.fashion_mnis"])
