"""`kerazoo reconstruct` and `kerazoo encode` take every image model that has the method
(issue 31, the newcomer's journey): RBMs and the DBN (`reconstruct`, `transform`) as well as
autoencoders; a model without it is refused with a message naming the model, what it lacks and
the entries that have it."""

import numpy as np
import pytest

import kerazoo
from kerazoo.cli import main
from kerazoo.datasets import load_fashion_mnist_sample
from kerazoo.models import BernoulliRBM
from tiny_family import TinyAutoencoder, bernoulli_images


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    zoo = tmp_path_factory.mktemp("zoo")
    x = load_fashion_mnist_sample()[0][:64]
    rbm = BernoulliRBM(8, seed=0)
    rbm.compile()
    rbm.fit(x, epochs=1, batch_size=32, verbose=0)
    kerazoo.publish(rbm, "rbm.fashion_mnist", card={"summary": "test"}, zoo_dir=zoo)
    tiny = TinyAutoencoder(code_size=4, seed=0)  # `encode` but no `reconstruct`
    tiny(bernoulli_images(2))
    kerazoo.publish(tiny, "tiny_ae.fashion_mnist", card={"summary": "test"}, zoo_dir=zoo)
    return str(zoo)


def test_reconstruct_takes_an_rbm(zoo, tmp_path, capsys):
    out = tmp_path / "rec"
    assert main(["reconstruct", "--zoo", zoo, "rbm.fashion_mnist", "--n", "8", "--out", str(out)]) == 0
    rec = np.load(out / "reconstructions.npy")
    x = load_fashion_mnist_sample()[0][:8]
    np.testing.assert_allclose(rec, kerazoo.load("rbm.fashion_mnist", zoo).reconstruct(x), atol=1e-5)


def test_encode_takes_an_rbm_and_maps_its_hidden_probabilities(zoo, tmp_path, capsys):
    out, png = tmp_path / "codes.npy", tmp_path / "map.png"
    assert main(["encode", "--zoo", zoo, "rbm.fashion_mnist", "--n", "40", "--out", str(out),
                 "--map", str(png)]) == 0
    codes = np.load(out)
    assert codes.shape == (40, 8) and codes.min() >= 0 and codes.max() <= 1
    assert png.stat().st_size > 1000


def test_a_model_without_the_method_is_named_with_the_entries_that_have_it(zoo, tmp_path, capsys):
    assert main(["reconstruct", "--zoo", zoo, "tiny_ae.fashion_mnist", "--n", "2",
                 "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "tiny_ae.fashion_mnist" in err and "TinyAutoencoder" in err
    assert "`reconstruct`" in err and "Entries that can: rbm.fashion_mnist" in err
    assert not (tmp_path / "o").exists()
