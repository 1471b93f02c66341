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
    (["encode", "ae.fashion_mnist", "--n", "5", "--map", "m.png"], "2-D codes"),
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
