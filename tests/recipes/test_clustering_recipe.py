"""The deep_clustering family: the job file parses, builds the recipe's model, refuses bad init."""

import pathlib

import numpy as np
import pytest

from kerazoo.models import DeepClustering
from kerazoo.recipes import Run, get_family, load_job

JOB = pathlib.Path(__file__).resolve().parents[2] / "tuning" / "dec.fashion_mnist.toml"


def test_job_builds_a_dec_model_on_its_own_autoencoder_without_a_zoo_encoder():
    job = load_job(JOB)
    model_keys = {"n_clusters": 10, "code_size": 10, "architecture": "conv",
                  "conv_filters": [32, 64], "hidden_units": [], "reconstruction_weight": 0.0}
    family = get_family(job.family)
    model = family.build(job.replace(model=model_keys))
    assert isinstance(model, DeepClustering)
    assert model.n_clusters == 10 and model.code_size == 10 and model.decoder is None
    assert model.image_shape == (28, 28, 1)
    ids = model.predict(np.zeros((3, 28, 28, 1), "float32"), verbose=0)
    assert ids.shape == (3,) and ids.dtype == np.int32


def test_unknown_init_is_refused():
    job = load_job(JOB).with_overrides({"init": "spectral"})
    family = get_family(job.family)
    model = family.build(job)
    data = {"train": np.zeros((20, 28, 28, 1), "float32"), "test": np.zeros((5, 28, 28, 1), "float32")}
    with pytest.raises(ValueError, match="'spectral'"):
        family.fit(Run(job=job, model=model, data=data))


def test_recipe_uses_the_zoo_encoder_its_weights_and_names_it():
    import kerazoo

    job = load_job(JOB)
    name = job.model["encoder"]
    assert name in kerazoo.list_models() and job.model["reconstruction_weight"] > 0
    family = get_family(job.family)
    model = family.build(job)
    ae = kerazoo.load(name)
    assert model.code_size == ae.code_size and model.decoder is not None
    x = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(model.encode(x), ae.encode(x), rtol=1e-5, atol=1e-5)
    run = Run(job=job, model=model, data=None, metrics={"accuracy": 0.5, "nmi": 0.5, "ari": 0.5})
    card = family.card(run)
    assert f"the encoder of the zoo entry `{name}`" in card["model_details"]
    assert f"Encoder: `{name}`, as published" in card["training"]


def test_zoo_encoder_that_is_not_an_autoencoder_is_refused():
    job = load_job(JOB)
    job = job.replace(model={**job.model, "encoder": "rbm.fashion_mnist"})
    with pytest.raises(ValueError, match=r"zoo autoencoder.*'rbm.fashion_mnist'"):
        get_family(job.family).build(job)
