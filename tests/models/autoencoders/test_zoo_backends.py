"""One zoo for both backends: the autoencoder, VAE, clustering and classifier entries load
under TensorFlow and under JAX and give the same deterministic outputs (issue 29).

The test computes every deterministic method's output on the first 64 test images in its
own process (whatever `KERAS_BACKEND` it runs under) and in a subprocess running this file
as a script under the other backend, and compares them: max abs difference <= 1e-5 for
images, codes and probabilities (hard ids equal), 1e-5 of their scale for the classifier's
unbounded features, a relative 1e-5 for the VAE's log-likelihoods (sums over 784 pixels of
float32 terms) and IMSAT's entropies, 5% for IMSAT's VAT term (see below). Stochastic
methods (`sample`) draw from the same distribution, not the same numbers; their shapes,
ranges and moments are compared.

Run as a script: `python test_zoo_backends.py OUT.npz` writes the outputs of the active
backend to OUT.npz.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ENTRIES = (
    "ae.fashion_mnist",
    "ae2d.fashion_mnist",
    "classifier.fashion_mnist",
    "contractive_ae.fashion_mnist",
    "dae.fashion_mnist",
    "dec.fashion_mnist",
    "imsat.fashion_mnist",
    "sparse_ae.fashion_mnist",
    "vae.fashion_mnist",
)
N_IMAGES = 64
#: Outputs compared relatively (sums of many float32 terms), with their tolerance.
RELATIVE = {"log_likelihood": 1e-5, "elbo": 1e-5}


def zoo_outputs():
    """{entry/method: array} of every deterministic method of the entries, on 64 test images;
    `sample` moments under `entry/sample_*`."""
    import keras

    import kerazoo
    from kerazoo.datasets import load_fashion_mnist_sample

    x = load_fashion_mnist_sample()[0][:N_IMAGES]
    out = {}
    for name in ENTRIES:
        model = kerazoo.load(name)
        put = {}
        if hasattr(model, "encode"):
            put["encode"] = model.encode(x)
        if hasattr(model, "reconstruct"):
            put["reconstruct"] = model.reconstruct(x)
            put["decode"] = model.decode(put["encode"])
        if hasattr(model, "soft_assign"):
            put["soft_assign"] = model.soft_assign(x)
            put["predict"] = model.predict(x, verbose=0)
        if hasattr(model, "features"):  # the classifier
            put["features"] = model.features(x)
            put["predict_proba"] = model.predict_proba(x)
            put["classify"] = model.classify(x)
        if hasattr(model, "jacobian_sq_norm") and model.uses_closed_form:
            put["jacobian_sq_norm"] = keras.ops.convert_to_numpy(model.jacobian_sq_norm(x))
        if hasattr(model, "posterior"):  # the VAE
            put["posterior_log_var"] = model.posterior(x)[1]
            put["log_likelihood"] = model.log_likelihood(x[:16], n_samples=50, seed=0)
            put["elbo"] = model.elbo(x[:16], n_samples=5, seed=0)
            samples = model.sample(2000, seed=0)
            put["sample_mean"] = samples.mean(axis=0)
            put["sample_std"] = samples.std(axis=0)
        if hasattr(model, "objective"):  # IMSAT
            parts = model.objective(x, seed=0)
            put["objective"] = np.array([parts[k] for k in sorted(parts)])
        for key, value in put.items():
            out[f"{name}/{key}"] = np.asarray(value)
    return out


def _other_backend(backend):
    return "jax" if backend == "tensorflow" else "tensorflow"


def test_zoo_entries_match_across_backends(tmp_path):
    import keras

    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        pytest.skip(f"compares TensorFlow with JAX; running under {backend}")
    other = _other_backend(backend)
    path = tmp_path / f"{other}.npz"
    repo = Path(__file__).resolve().parents[3]
    env = {**os.environ, "KERAS_BACKEND": other,
           "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")])}
    env.pop("KERAZOO_ZOO", None)
    done = subprocess.run([sys.executable, __file__, str(path)], env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]

    here = zoo_outputs()
    with np.load(path) as there:
        assert sorted(there.files) == sorted(here)
        worst = {}
        for key, mine in here.items():
            theirs = there[key]
            assert mine.shape == theirs.shape, key
            method = key.split("/")[1]
            if method.startswith("sample_"):
                # The same distribution, not the same draws: the pixel moments of 2,000
                # images each, whose standard errors are at most 0.5 / sqrt(2000) = 0.011.
                np.testing.assert_allclose(mine, theirs, rtol=0, atol=0.08, err_msg=key)
            elif method in ("predict", "classify") and mine.dtype.kind in "iu":
                np.testing.assert_array_equal(mine, theirs, err_msg=key)
            elif method == "objective":
                # [conditional_entropy, loss, marginal_entropy, vat_loss]: the entropies to
                # 1e-5; the VAT term (and the loss holding it) to 5%: its power iteration
                # differentiates a divergence of order xi^2 = 1e-12, whose gradient direction
                # float32 rounding perturbs by about 1% on either backend.
                np.testing.assert_allclose(mine[[0, 2]], theirs[[0, 2]], rtol=1e-5, err_msg=key)
                np.testing.assert_allclose(mine[[1, 3]], theirs[[1, 3]], rtol=0.05, err_msg=key)
            elif method in RELATIVE:
                np.testing.assert_allclose(mine, theirs, rtol=RELATIVE[method], atol=0, err_msg=key)
            elif method == "features":
                # Unbounded ReLU features (up to about 30): 1e-5 of their scale.
                scale = max(1.0, float(np.max(np.abs(theirs))))
                np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-5 * scale, err_msg=key)
            else:
                np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-5, err_msg=key)
            worst[key] = float(np.max(np.abs(mine.astype("float64") - theirs)))
    print(f"\nmax abs difference {backend} vs {other}:")
    for key, value in worst.items():
        print(f"  {key}: {value:.3g}")


if __name__ == "__main__":
    np.savez(sys.argv[1], **zoo_outputs())
