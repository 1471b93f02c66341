"""One calling convention across the families (issue 27, item 4).

Every class of `kerazoo.models.__all__` is of at least one kind, and each kind is called
the same way whatever the family:

- representation models (the autoencoders, the RBMs, the DBN): `encode(x)`; the RBMs'
  and the DBN's `transform` is its scikit-learn-style alias (the same features);
- generative models (the RBMs, the DBN, the VAE, the GAN): `sample(n, *, seed=None, ...)`,
  `n` positional and everything after it keyword-only, `seed` first; the same seed gives
  the same images, float32 (n, 28, 28, 1) in [0, 1];
- clustering: `predict(x)` gives cluster ids; recommenders: `predict_ratings` and
  `recommend` take the user's `history`.

Tiny untrained models: the convention, not the quality, is under test.
"""

import inspect

import keras
import numpy as np
import pytest

import kerazoo.models as M

X = np.random.default_rng(0).random((5, 28, 28, 1)).astype(np.float32)


def built(model):
    model(X[:2])
    return model


def tiny_dec():
    ae = M.Autoencoder(4, hidden_units=(8,), architecture="dense", seed=0)
    built(ae)
    return built(M.DeepClustering(ae.encoder, n_clusters=3, seed=0))


#: How to build a tiny instance of each image model the sweep calls.
MAKERS = {
    "Autoencoder": lambda: built(M.Autoencoder(4, hidden_units=(8,), architecture="dense", seed=0)),
    "SparseAutoencoder": lambda: built(M.SparseAutoencoder(4, hidden_units=(8,), seed=0)),
    "DenoisingAutoencoder": lambda: built(M.DenoisingAutoencoder(4, hidden_units=(8,), seed=0)),
    "ContractiveAutoencoder": lambda: built(M.ContractiveAutoencoder(4, hidden_units=(8,), seed=0)),
    "VariationalAutoencoder": lambda: built(M.VariationalAutoencoder(latent_dim=4, hidden_units=(8,),
                                                                     seed=0)),
    "DeepAutoencoder": lambda: built(M.DeepAutoencoder((784, 8, 4), seed=0)),
    "BernoulliRBM": lambda: built(M.BernoulliRBM(8, seed=0)),
    "GaussianBernoulliRBM": lambda: built(M.GaussianBernoulliRBM(8, seed=0)),
    "DBN": lambda: built(M.DBN((784, 8, 4), seed=0)),
    "DBNClassifier": lambda: built(M.DBNClassifier((8,), seed=0)),
    "GAN": lambda: M.GAN(latent_dim=8, generator_filters=(8, 4), discriminator_filters=(4,), seed=0),
    "DeepClustering": tiny_dec,
    "IMSAT": lambda: built(M.IMSAT(3, hidden_units=(8,), seed=0)),
}

REPRESENTATION = {"Autoencoder", "SparseAutoencoder", "DenoisingAutoencoder",
                  "ContractiveAutoencoder", "VariationalAutoencoder", "DeepAutoencoder",
                  "BernoulliRBM", "GaussianBernoulliRBM", "DBN"}
FEATURE_ALIAS = {"BernoulliRBM", "GaussianBernoulliRBM", "DBN"}  # `transform` = `encode`
GENERATIVE = {"BernoulliRBM", "GaussianBernoulliRBM", "DBN", "VariationalAutoencoder", "GAN"}
CLUSTERING = {"DeepClustering", "IMSAT"}
RECOMMENDERS = {"AutoRec", "BiasedMF", "GlobalMean", "RBMRecommender", "UserItemBiases"}
CLASSIFIERS = {"CNNClassifier", "DBNClassifier"}
KINDS = REPRESENTATION | GENERATIVE | CLUSTERING | RECOMMENDERS | CLASSIFIERS


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = MAKERS[name]()
        return cache[name]

    return get


def test_every_public_model_class_is_of_a_kind():
    assert set(M.__all__) == KINDS, (
        "classify the new model class in tests/models/test_calling_convention.py")


def test_the_generative_models_are_exactly_the_classes_with_sample():
    assert {name for name in M.__all__ if hasattr(getattr(M, name), "sample")} == GENERATIVE


@pytest.mark.parametrize("name", sorted(REPRESENTATION | {"DBNClassifier"}))
def test_representation_models_encode(models, name):
    cls = getattr(M, name)
    params = list(inspect.signature(cls.encode).parameters.values())
    assert [p.name for p in params[:2]] == ["self", "x"]
    codes = models(name).encode(X)
    assert isinstance(codes, np.ndarray) and codes.dtype == np.float32
    assert codes.ndim == 2 and len(codes) == len(X)


@pytest.mark.parametrize("name", sorted(FEATURE_ALIAS))
def test_transform_is_the_alias_of_encode(models, name):
    model = models(name)
    np.testing.assert_array_equal(model.transform(X), model.encode(X))
    np.testing.assert_array_equal(model.transform(X, batch_size=2), model.encode(X, batch_size=2))
    assert "alias" in type(model).transform.__doc__


def test_dbn_classifier_encode_gives_its_features(models):
    model = models("DBNClassifier")
    np.testing.assert_allclose(model.encode(X, batch_size=2),
                               keras.ops.convert_to_numpy(model.features(X)), atol=1e-6)


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_sample_takes_n_positionally_then_keywords_only(name):
    params = list(inspect.signature(getattr(M, name).sample).parameters.values())
    assert params[0].name == "self"
    n, extras = params[1], params[2:]
    assert n.name == "n" and n.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert n.default is inspect.Parameter.empty
    assert extras and extras[0].name == "seed" and extras[0].default is None
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extras), [
        (p.name, p.kind) for p in extras]


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_sample_with_a_seed_is_reproducible_images_in_the_unit_range(models, name):
    model = models(name)
    a = model.sample(4, seed=0)
    b = model.sample(4, seed=0)
    assert a.shape == (4, 28, 28, 1) and a.dtype == np.float32
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        model.sample(4, 0)  # the seed is a keyword


@pytest.mark.parametrize("name", sorted(CLUSTERING))
def test_clustering_predict_gives_cluster_ids(models, name):
    ids = np.asarray(models(name).predict(X, verbose=0))
    assert ids.shape == (len(X),) and ids.dtype.kind in "iu"


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_recommenders_take_the_history(name):
    cls = getattr(M, name)
    assert list(inspect.signature(cls.predict_ratings).parameters)[:4] == [
        "self", "user_ids", "item_ids", "history"]
    params = inspect.signature(cls.recommend).parameters
    assert list(params)[:3] == ["self", "user_id", "k"] and "history" in params
