"""The autoencoder families and their job files: recipes build, train, evaluate and publish."""

from pathlib import Path

import numpy as np
import pytest

import kerazoo
from kerazoo.jobs import get_family, load_job, train_job
from kerazoo.models import (
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)

TUNING = Path(__file__).resolve().parents[3] / "tuning"
ENTRIES = {
    "ae.fashion_mnist": Autoencoder,
    "ae2d.fashion_mnist": Autoencoder,
    "sparse_ae.fashion_mnist": SparseAutoencoder,
    "dae.fashion_mnist": DenoisingAutoencoder,
    "contractive_ae.fashion_mnist": ContractiveAutoencoder,
}


@pytest.mark.parametrize("name, cls", ENTRIES.items())
def test_job_files_build_their_model_small_enough_for_the_zoo(name, cls):
    job = load_job(TUNING / f"{name}.toml")
    assert job.name == name and job.search["space"]
    model = get_family(job.family).build(job)
    assert type(model) is cls
    assert model.seed == job.seed
    # weights are stored twice (model.keras and the SavedModel): under 20 MB with room to spare
    assert 2 * 4 * model.count_params() < 18 * 2**20
    assert model.code_size == (2 if name.startswith("ae2d") else model.code_size)


def test_families_accept_every_autoencoder_argument():
    for family in ("autoencoder", "sparse_autoencoder", "denoising_autoencoder", "contractive_autoencoder"):
        keys = get_family(family).model_keys()
        assert {"code_size", "hidden_units", "architecture", "conv_filters", "conv_depth", "batch_norm",
                "random_flip", "random_translation", "seed"} <= keys
    assert {"corruption", "corruption_level"} <= get_family("denoising_autoencoder").model_keys()
    assert {"target_activation", "sparsity_weight"} <= get_family("sparse_autoencoder").model_keys()
    assert {"contraction_weight", "n_projections"} <= get_family("contractive_autoencoder").model_keys()


def test_augmentation_in_the_job_reaches_the_model_and_the_card_text():
    job = load_job(TUNING / "ae.fashion_mnist.toml")
    family = get_family(job.family)
    flipped = job.replace(model={**job.model, "random_flip": True, "random_translation": 0.1})
    model = family.build(flipped)
    assert model.random_flip and model.random_translation == pytest.approx(0.1)
    assert [type(layer).__name__ for layer in model.augmentation] == ["RandomFlip", "RandomTranslation"]
    text = family.training_text(flipped)
    assert "random left-right flips and random shifts by up to 0.1" in text
    plain = job.replace(model={k: v for k, v in job.model.items() if k != "random_flip"})
    assert "flips" not in family.training_text(plain)


def _small(name, **model):
    job = load_job(TUNING / f"{name}.toml")
    small = {"hidden_units": [16], "architecture": "dense", "batch_norm": False, **model}
    return job.replace(model={**job.model, **small}, train={**job.train, "epochs": 1},
                       data={**job.data, "subset": 256})


@pytest.mark.slow
def test_denoising_recipe_trains_evaluates_and_publishes(tmp_zoo):
    result = train_job(_small("dae.fashion_mnist"), publish="dae.fashion_mnist", verbose=0)
    metrics = result.metrics
    for key in ("test_mse", "test_psnr", "knn_accuracy", "mse_ratio_to_pca", "noisy_psnr",
                "denoised_psnr", "denoising_psnr_gain", "inpainted_psnr", "hole_mse"):
        assert np.isfinite(metrics[key])
    assert 12.0 < metrics["noisy_psnr"] < 14.5  # sigma 0.3, clipped, on the 10,000 test images
    entry = Path(result.entry)
    assert {"reconstructions.png", "denoising.png", "inpainting.png"} <= {p.name for p in entry.iterdir()}
    meta = kerazoo.hub.entry_metadata("dae.fashion_mnist")
    k = result.model.code_size
    anchor = meta["card"]["anchors"][f"PCA-{k}"]
    assert set(anchor) == set(metrics) and anchor["mse_ratio_to_pca"] == 1.0
    assert anchor["test_mse"] == pytest.approx(metrics["test_mse"] / metrics["mse_ratio_to_pca"])
    card = kerazoo.model_card("dae.fashion_mnist")
    assert "| `denoised_psnr` |" in card and f"PCA-{k}" in card
    assert set(kerazoo.verify("dae.fashion_mnist")["dae.fashion_mnist"]) >= {"reconstruct", "encode", "decode"}
    model = kerazoo.load("dae.fashion_mnist")
    x, y = get_family("denoising_autoencoder").example_data(result.job, n=16)
    assert y is None
    assert np.isfinite(model.fit(x, y, epochs=1, batch_size=8, verbose=0).history["loss"][0])


@pytest.mark.slow
@pytest.mark.parametrize("name, extra", [
    ("ae2d.fashion_mnist", {"latent_map.png", "latent_manifold.png"}),
    ("sparse_ae.fashion_mnist", set()),
    ("contractive_ae.fashion_mnist", set()),
    ("ae.fashion_mnist", set()),
])
def test_other_recipes_train_and_publish(tmp_zoo, name, extra):
    result = train_job(_small(name), publish=name, verbose=0)
    assert {"reconstructions.png"} | extra <= {p.name for p in Path(result.entry).iterdir()}
    if name.startswith("sparse"):
        assert 0 < result.metrics["mean_activation"] < 1
    if name.startswith("contractive"):
        assert result.metrics["jacobian_norm"] > 0
    kerazoo.verify(name)
