"""The autoencoder families and their job files: recipes build, train, evaluate and publish."""

from pathlib import Path

import numpy as np
import pytest

import kerazoo
from kerazoo.recipes import Run, get_family, load_job, train_job
from kerazoo.models import (
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)

TUNING = Path(__file__).resolve().parents[2] / "tuning"
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


def test_weight_decay_in_the_recipe_compiles_adamw_and_shrinks_the_weights():
    """`[train] weight_decay` > 0 trains with AdamW (named on the card); 0 keeps Adam."""
    import keras

    job = _small("ae.fashion_mnist", refine_filters=0)
    family = get_family(job.family)
    x = np.random.default_rng(0).uniform(size=(256, 28, 28, 1)).astype("float32")
    norms = {}
    for decay in (0.0, 10.0):
        decayed = job.replace(train={**job.train, "weight_decay": decay, "schedule": "constant"})
        model = family.build(decayed)
        family.compile(model, decayed, len(x))
        if decay:
            assert isinstance(model.optimizer, keras.optimizers.AdamW)
            assert model.optimizer.weight_decay == pytest.approx(decay)
            assert "AdamW (weight decay 10)," in family.training_text(decayed)
        else:
            assert type(model.optimizer) is keras.optimizers.Adam
            assert "Adam, learning rate" in family.training_text(decayed)
        model.fit(x, x, epochs=3, batch_size=32, verbose=0)
        norms[decay] = sum(float(np.sum(np.square(w))) for w in model.get_weights())
    # decoupled decay multiplies every weight by 1 - 0.002 * 10 at each of the 24 steps
    assert norms[10.0] < 0.6 * norms[0.0]
    bad = job.replace(train={**job.train, "weight_decay": -0.1})
    with pytest.raises(ValueError, match=r"train.weight_decay must be a number >= 0. Received: -0.1"):
        family.compile(family.build(bad), bad, len(x))


def _batch_recorder():
    """A model for `family.fit` whose logs name the first image of every batch (image i is
    the constant i / 64, so the index is read back from a pixel)."""
    import keras

    class Recorder(keras.Model):
        def __init__(self):
            super().__init__()
            self.scale = self.add_weight(shape=(), initializer="ones")

        def call(self, x):
            return x * self.scale

        def train_step(self, data):
            x = data[0] if isinstance(data, tuple) else data
            return {"first": x[0, 0, 0, 0] * 64.0}

    return Recorder()


def test_recipe_draws_a_new_batch_order_every_epoch_reproducibly():
    """After the runner's `keras.utils.set_random_seed`, `fit` on the arrays would repeat
    one order at every epoch; the family's batches change order each epoch, and the same
    seed gives the same orders."""
    import keras

    job = _small("ae.fashion_mnist")
    job = job.replace(train={**job.train, "epochs": 3, "batch_size": 8, "schedule": "constant"})
    family = get_family(job.family)
    x = (np.arange(64, dtype="float32") / 64)[:, None, None, None] * np.ones((1, 28, 28, 1), "float32")
    data = {"train": x, "validation": x[:8]}

    def orders():
        keras.utils.set_random_seed(job.seed)
        firsts = []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: firsts.append(round(float(logs["first"]))))
        family.fit(Run(job=job, model=_batch_recorder(), data=data), callbacks=[record], verbose=0)
        assert len(firsts) == 3 * 8
        return [tuple(firsts[i:i + 8]) for i in range(0, 24, 8)]

    first_run = orders()
    assert len(set(first_run)) == 3, first_run
    assert orders() == first_run


def _small(name, **model):
    job = load_job(TUNING / f"{name}.toml")
    small = {"hidden_units": [16], "architecture": "dense", "batch_norm": False, "refine_filters": 0,
             **model}
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
    # The entry is this test's own, not pinned by the registry: its signatures run on request.
    report = kerazoo.verify("dae.fashion_mnist", run_untrusted_signatures=True)
    assert set(report["dae.fashion_mnist"]) >= {"reconstruct", "encode", "decode"}
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
    kerazoo.verify(name, run_untrusted_signatures=True)
