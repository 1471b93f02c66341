"""The models' numpy inference methods check their input the same way (issue 31, F8).

- An empty batch (N = 0) is a `ValueError` saying so, for every method that computes per
  image (`encode`, `reconstruct`, `transform`, `soft_assign`, `features`, ...) and for the
  RBMs' `log_likelihood` (a mean over no images): as `check_latents` already did for codes,
  the VAE and the CNN classifier for images, and as Keras' own `predict` (which fails on
  empty input).
- `DBNClassifier.features` and `ContractiveAutoencoder.jacobian_sq_norm` take float images in
  [0, 1] like the other image methods: uint8 pixels, values above 1 and NaN are refused.
- `sample(n)` takes at most `kerazoo.utils.MAX_SAMPLES` images per call.
"""

import keras
import numpy as np
import pytest

from kerazoo.models import (
    DBN,
    GAN,
    IMSAT,
    Autoencoder,
    BernoulliRBM,
    CNNClassifier,
    ContractiveAutoencoder,
    DBNClassifier,
    DeepAutoencoder,
    DeepClustering,
    GaussianBernoulliRBM,
    VariationalAutoencoder,
)
from kerazoo.utils import MAX_SAMPLES

EMPTY = np.zeros((0, 28, 28, 1), np.float32)
X = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)


def built(model):
    model(X[:2])
    return model


def dec():
    ae = Autoencoder(4, hidden_units=(8,), architecture="dense", seed=0)
    built(ae)
    return built(DeepClustering(ae.encoder, n_clusters=3, seed=0))


CASES = {
    "BernoulliRBM.transform": (lambda: built(BernoulliRBM(8, seed=0)), lambda m, x: m.transform(x)),
    "BernoulliRBM.reconstruct": (lambda: built(BernoulliRBM(8, seed=0)), lambda m, x: m.reconstruct(x)),
    "BernoulliRBM.free_energy": (lambda: built(BernoulliRBM(8, seed=0)), lambda m, x: m.free_energy(x)),
    "BernoulliRBM.log_likelihood exact": (lambda: built(BernoulliRBM(8, seed=0)),
                                          lambda m, x: m.log_likelihood(x, method="exact")),
    "BernoulliRBM.log_likelihood ais": (lambda: built(BernoulliRBM(8, seed=0)),
                                        lambda m, x: m.log_likelihood(x, n_chains=2, n_betas=10)),
    "GaussianBernoulliRBM.log_likelihood": (lambda: built(GaussianBernoulliRBM(4, seed=0)),
                                            lambda m, x: m.log_likelihood(x)),
    "DBN.transform": (lambda: built(DBN((784, 8, 4), seed=0)), lambda m, x: m.transform(x)),
    "BernoulliRBM.encode": (lambda: built(BernoulliRBM(8, seed=0)), lambda m, x: m.encode(x)),
    "DBN.encode": (lambda: built(DBN((784, 8, 4), seed=0)), lambda m, x: m.encode(x)),
    "DBNClassifier.encode": (lambda: built(DBNClassifier((8,), seed=0)), lambda m, x: m.encode(x)),
    "DBN.reconstruct": (lambda: built(DBN((784, 8, 4), seed=0)), lambda m, x: m.reconstruct(x)),
    "DeepAutoencoder.encode": (lambda: built(DeepAutoencoder((784, 8, 4), seed=0)), lambda m, x: m.encode(x)),
    "DeepAutoencoder.reconstruct": (lambda: built(DeepAutoencoder((784, 8, 4), seed=0)),
                                    lambda m, x: m.reconstruct(x)),
    "DBNClassifier.features": (lambda: built(DBNClassifier((8,), seed=0)), lambda m, x: m.features(x)),
    "Autoencoder.encode": (lambda: built(Autoencoder(4, hidden_units=(8,), architecture="dense", seed=0)),
                           lambda m, x: m.encode(x)),
    "Autoencoder.reconstruct": (lambda: built(Autoencoder(4, hidden_units=(8,), architecture="dense", seed=0)),
                                lambda m, x: m.reconstruct(x)),
    "ContractiveAutoencoder.encode": (lambda: built(ContractiveAutoencoder(4, seed=0)), lambda m, x: m.encode(x)),
    "ContractiveAutoencoder.jacobian_sq_norm": (lambda: built(ContractiveAutoencoder(4, seed=0)),
                                                lambda m, x: m.jacobian_sq_norm(x)),
    "VariationalAutoencoder.encode": (lambda: built(VariationalAutoencoder(seed=0)), lambda m, x: m.encode(x)),
    "DeepClustering.encode": (dec, lambda m, x: m.encode(x)),
    "DeepClustering.soft_assign": (dec, lambda m, x: m.soft_assign(x)),
    "IMSAT.soft_assign": (lambda: built(IMSAT(3, hidden_units=(8,), seed=0)), lambda m, x: m.soft_assign(x)),
    "CNNClassifier.features": (lambda: built(CNNClassifier(seed=0)), lambda m, x: m.features(x)),
}


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return {}


def model_for(models, case):
    make, _ = CASES[case]
    if case not in models:
        models[case] = make()
    return models[case]


@pytest.mark.parametrize("case", list(CASES))
def test_empty_batch_is_a_clear_error(models, case):
    model, call = model_for(models, case), CASES[case][1]
    with pytest.raises(ValueError, match=r"empty batch: at least one (image|example) is needed"):
        call(model, EMPTY)
    call(model, X)  # and a real batch works


@pytest.mark.parametrize("case", ["DBNClassifier.features", "ContractiveAutoencoder.jacobian_sq_norm"])
@pytest.mark.parametrize("bad, message", [
    ((X * 255).astype(np.uint8), r"values in \[0, 1\].*divide by 255"),
    (X + 1.5, r"values in \[0, 1\]"),
    (np.where(X > 0.5, np.nan, X).astype(np.float32), "NaN"),
    (X[..., 0], r"shape \(N, 28, 28, 1\)"),
])
def test_features_and_jacobian_check_images_like_the_other_methods(models, case, bad, message):
    model, call = model_for(models, case), CASES[case][1]
    with pytest.raises(ValueError, match=message):
        call(model, bad)


SAMPLERS = {
    "BernoulliRBM": (lambda: built(BernoulliRBM(8, seed=0)), lambda m, n: m.sample(n, gibbs_steps=1)),
    "DBN": (lambda: built(DBN((784, 8, 4), seed=0)), lambda m, n: m.sample(n, gibbs_steps=1)),
    "VariationalAutoencoder": (lambda: built(VariationalAutoencoder(seed=0)), lambda m, n: m.sample(n)),
    "GAN": (lambda: GAN(latent_dim=8, seed=0), lambda m, n: m.sample(n)),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("n", [MAX_SAMPLES + 1, 10**9, 3_000_000_000])
def test_sample_has_a_documented_upper_bound(name, n):
    make, sample = SAMPLERS[name]
    model = make()
    with pytest.raises(ValueError, match=rf"at most {MAX_SAMPLES:,} images per call.*Received: n={n}"):
        sample(model, n)
    assert sample(model, 2).shape == (2, 28, 28, 1)
    assert "MAX_SAMPLES" in type(model).sample.__doc__
