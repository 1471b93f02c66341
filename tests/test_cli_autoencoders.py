"""`kerazoo reconstruct` and `kerazoo encode` on small autoencoders published in a temporary zoo."""

import numpy as np
import pytest

import kerazoo
from kerazoo.cli import main
from kerazoo.datasets import load_fashion_mnist_sample
from kerazoo.models import Autoencoder, DenoisingAutoencoder


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """Three small autoencoders published once for the module (publishing is the slow part)."""
    zoo = tmp_path_factory.mktemp("zoo")
    x = load_fashion_mnist_sample()[0][:64]
    for name, model in (
        ("ae.fashion_mnist", Autoencoder(6, hidden_units=(16,), seed=0)),
        ("ae2d.fashion_mnist", Autoencoder(2, hidden_units=(16,), seed=0)),
        ("dae.fashion_mnist", DenoisingAutoencoder(6, hidden_units=(16,), seed=0)),
    ):
        model.compile()
        model.fit(x, epochs=1, batch_size=32, verbose=0)
        kerazoo.publish(model, name, card={"summary": "test"}, zoo_dir=zoo)
    return str(zoo)


def test_reconstruct_writes_png_and_npy(zoo, tmp_path, capsys):
    out = tmp_path / "rec"
    assert main(["reconstruct", "--zoo", zoo, "ae.fashion_mnist", "--n", "8", "--out", str(out)]) == 0
    rec = np.load(out / "reconstructions.npy")
    model = kerazoo.load("ae.fashion_mnist", zoo)
    x = load_fashion_mnist_sample()[0][:8]
    np.testing.assert_allclose(rec, model.reconstruct(x), atol=1e-6)
    assert (out / "reconstructions.png").stat().st_size > 1000
    assert "psnr" in capsys.readouterr().out


@pytest.mark.parametrize("corruption", ["gaussian:0.3", "block_masking:0.4", "salt_and_pepper:0.1"])
def test_reconstruct_restores_corrupted_images(zoo, tmp_path, capsys, corruption):
    out = tmp_path / "den"
    assert main(["reconstruct", "--zoo", zoo, "dae.fashion_mnist", "--n", "6", "--corrupt", corruption,
                 "--seed", "3", "--out", str(out)]) == 0
    corrupted = np.load(out / "corrupted.npy")
    rec = np.load(out / "reconstructions.npy")
    x = load_fashion_mnist_sample()[0][:6]
    assert corrupted.shape == rec.shape == x.shape and not np.array_equal(corrupted, x)
    if corruption.startswith("block"):
        known = corrupted != 0  # inpainting keeps every known (unmasked, nonzero) pixel
        np.testing.assert_array_equal(rec[known], x[known])
    assert "corrupted" in capsys.readouterr().out


def test_reconstruct_from_an_npy_input(zoo, tmp_path):
    x = load_fashion_mnist_sample()[0][10:13]
    np.save(tmp_path / "in.npy", x)
    assert main(["reconstruct", "--zoo", zoo, "ae.fashion_mnist", "--input", str(tmp_path / "in.npy"),
                 "--out", str(tmp_path / "o")]) == 0
    assert np.load(tmp_path / "o" / "reconstructions.npy").shape == (3, 28, 28, 1)


def test_encode_writes_codes_labels_and_a_map(zoo, tmp_path):
    out = tmp_path / "codes.npy"
    assert main(["encode", "--zoo", zoo, "ae2d.fashion_mnist", "--n", "50", "--out", str(out),
                 "--map", str(tmp_path / "map.png")]) == 0
    codes = np.load(out)
    x, y = load_fashion_mnist_sample()
    np.testing.assert_allclose(codes, kerazoo.load("ae2d.fashion_mnist", zoo).encode(x[:50]), atol=1e-6)
    np.testing.assert_array_equal(np.load(tmp_path / "codes-labels.npy"), y[:50])
    assert (tmp_path / "map.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, message", [
    (["reconstruct", "ae.fashion_mnist", "--corrupt", "gaussian:1.5"], "between 0 and 1"),
    (["reconstruct", "ae.fashion_mnist", "--corrupt", "blur:0.2"], "KIND:LEVEL"),
    (["reconstruct", "ae.fashon_mnist"], "ae.fashion_mnist"),
    (["encode", "ae.fashion_mnist", "--n", "0"], "--n must be a positive integer"),
])
def test_bad_arguments_fail_with_a_message(zoo, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv[:1] + ["--zoo", zoo] + argv[1:]) == 1
    assert message in capsys.readouterr().err


def test_bad_input_file(zoo, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.full((2, 28, 28, 1), 255, np.uint8))
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--input", str(tmp_path / "bad.npy")]) == 1
    assert "divide by 255" in capsys.readouterr().err


# -- issue 31, F7 and F13: every failure is one line naming the flag or file -------------------


def one_line_error(capsys, verb):
    err = capsys.readouterr().err
    assert err.startswith(f"kerazoo {verb}: ") and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("array, received", [
    (np.zeros((0, 28, 28, 1), np.float32), "shape=(0, 28, 28, 1)"),
    (np.float32(0.5), "shape=()"),
    (np.zeros((3,), np.float32), "shape=(3,)"),
])
def test_input_without_images_names_the_flag(zoo, tmp_path, capsys, array, received):
    np.save(tmp_path / "in.npy", array)
    for verb in ("encode", "reconstruct"):
        assert main([verb, "--zoo", zoo, "ae.fashion_mnist", "--input", str(tmp_path / "in.npy"),
                     "--out", str(tmp_path / verb)]) == 1
        err = one_line_error(capsys, verb)
        assert "--input" in err and "in.npy" in err and received in err


def test_out_that_is_a_file_names_the_flag(zoo, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    assert main(["reconstruct", "--zoo", zoo, "ae.fashion_mnist", "--n", "2", "--out", str(taken)]) == 1
    err = one_line_error(capsys, "reconstruct")
    assert f"--out {taken}" in err and "not a folder" in err
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--n", "2", "--out", str(taken / "c.npy")]) == 1
    err = one_line_error(capsys, "encode")
    assert "--out" in err and str(taken) in err
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--n", "2", "--out", str(tmp_path)]) == 1
    err = one_line_error(capsys, "encode")
    assert f"--out {tmp_path}" in err and "is a folder" in err
    assert taken.read_text() == "not a folder"


def test_encode_reports_the_file_it_really_wrote(zoo, tmp_path, capsys):
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--n", "3", "--out", str(tmp_path / "out_e4")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "out_e4.npy").exists() and not (tmp_path / "out_e4").exists()
    assert f"wrote {tmp_path / 'out_e4.npy'} (3, 6)" in out


def test_encode_checks_map_before_writing_the_codes(zoo, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--n", "1", "--map", "m.png"]) == 1
    assert "--map" in one_line_error(capsys, "encode")  # one image: no plane to draw
    assert list(tmp_path.iterdir()) == []  # no codes, no labels, no map
    assert main(["encode", "--zoo", zoo, "ae2d.fashion_mnist", "--n", "5", "--map", "m.txt"]) == 1
    assert "--map" in one_line_error(capsys, "encode") and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag, value", [("--columns", "0"), ("--columns", "-2"),
                                         ("--batch-size", "0")])
def test_counts_below_one_name_the_flag(zoo, tmp_path, capsys, flag, value):
    assert main(["reconstruct", "--zoo", zoo, "ae.fashion_mnist", "--n", "2", flag, value,
                 "--out", str(tmp_path / "o")]) == 1
    err = one_line_error(capsys, "reconstruct")
    assert f"{flag} must be a positive integer" in err and f"Received: {flag} {value}" in err
    assert not (tmp_path / "o").exists()


def test_encode_maps_codes_of_more_than_two_dimensions_by_pca(zoo, tmp_path, capsys):
    # issue 31 (the newcomer's journey): 6-D codes are drawn on their principal plane, as the
    # gallery draws 30-D codes, instead of failing after the codes were written.
    out, png = tmp_path / "codes.npy", tmp_path / "map.png"
    assert main(["encode", "--zoo", zoo, "ae.fashion_mnist", "--n", "50", "--out", str(out),
                 "--map", str(png)]) == 0
    assert np.load(out).shape == (50, 6)
    assert png.stat().st_size > 1000
    assert "PCA" in capsys.readouterr().out
