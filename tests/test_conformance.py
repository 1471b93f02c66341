"""Keras conformance, checked by keras-hub's own test harness (issue 32).

keras-hub holds every model it ships to `keras_hub.src.tests.test_case.TestCase`; this
module runs that harness (the `keras-hub` package of the `test` extra, imported as is) on:

- every public model class of `kerazoo.models.__all__`, with small constructor arguments,
  one test per (class, check):
    serialization  `run_serialization_test`: get_config / from_config and
                   serialize_keras_object round trips give the same config and attributes;
    saving         `run_model_saving_test`: `.keras` save and load, same outputs;
    layer          `run_layer_test` (training and precision parts off, they are the next
                   checks): `build(input_shape)` on a new instance, a symbolic call and an
                   eager call agree on the weights, the output shape and dtype;
    training_step  the training step nested in `run_layer_test` (a wrapper model calling
                   the model, compiled with SGD and the mean squared error against its own
                   outputs, fit for one epoch): the same code, run on its own here because
                   the harness offers it only inside `run_layer_test`;
    precision      `run_precision_test`: under mixed_float16, mixed_bfloat16 and bfloat16 the
                   outputs, output specs, weights and every sublayer follow the policy given
                   to the constructor;
    export         a Keras everyday call the harness does not cover: `model.export()` after a
                   call, the SavedModel's `serve` equal to `model(x)`;
- every entry of `zoo/index.json`, loaded once for the module (without its compile
  settings, so that a from_config instance compares like with like), one test per
  (entry, check): serialization (`run_serialization_test` on the loaded model) and saving
  (the steps of `run_model_saving_test` on the loaded model instead of a new instance, so
  that the entry's own weights go through the `.keras` round trip).

Inputs are backend tensors, not numpy arrays: `compute_output_spec` of a layer with its own
`compute_output_shape` (keras.layers.Dense as much as kerazoo's models) sees no shape in a
numpy argument. A check that does not apply to a model is skipped with a reason starting
"not applicable:"; `tests/conftest.py` prints the counts of checks run, passed and not
applicable at the end of the session.

Quantization (`run_quantization_test`) is not run: kerazoo offers no quantized models. The
harness builds the model under a `DTypePolicyMap`, which the constructors refuse (a
ValueError naming the model and the policy, `kerazoo.utils.precision`). Keras's own
`model.quantize("int8")` on a built model (Keras 3.15, the small models here) quantizes the
Dense layers: 2 in AutoRec, 4 in each dense autoencoder, 5 in the VAE, 3 in DBNClassifier,
4 in DeepAutoencoder, 2 in CNNClassifier and IMSAT, 3 in the GAN, the encoder's in
DeepClustering, with outputs within 5e-3 of float32; nothing in the RBMs and the DBN (their
layers are not Dense); on BiasedMF and RBMRecommender, models without sublayers, it
recurses without end (RecursionError: `Model.quantize` calls itself on a model that is its
own only layer). A quantized model does not survive a `.keras` round trip, since kerazoo's
models rebuild their layers from their own config.
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_hub.src.tests import test_case  # the `test` extra: keras-hub (and grain, which it imports)

import kerazoo
import kerazoo.models

ZOO = Path(__file__).resolve().parents[1] / "zoo"
CLASS_CHECKS = ("serialization", "saving", "layer", "training_step", "precision", "export")
ZOO_CHECKS = ("serialization", "saving")


@keras.saving.register_keras_serializable(package="kerazoo_tests")
class TinyEncoder(keras.Model):
    """A functional encoder for DeepClustering whose layers take the `dtype` of its config,
    as the harness's precision check expects of a layer passed to a constructor (a plain
    functional model drops the `dtype` of its config)."""

    def __init__(self, code_size=3, image_shape=(8, 8, 1), **kwargs):
        dtype = kwargs.pop("dtype", None)
        images = keras.Input(tuple(image_shape), name="images")
        h = keras.layers.Flatten(dtype=dtype)(images)
        codes = keras.layers.Dense(code_size, dtype=dtype)(h)
        super().__init__(images, codes, **kwargs)
        if dtype is not None:
            self.dtype_policy = dtype
        self.code_size, self.image_shape = code_size, tuple(image_shape)

    def get_config(self):
        return {"name": self.name, "dtype": keras.dtype_policies.serialize(self.dtype_policy),
                "code_size": self.code_size, "image_shape": list(self.image_shape)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _images(shape, n=3, seed=0):
    return np.random.default_rng(seed).uniform(size=(n,) + shape).astype("float32")


SMALL8 = (8, 8, 1)
AE = dict(code_size=3, hidden_units=(8,), image_shape=SMALL8, seed=0)

#: class name -> (constructor kwargs (a function: layers are made anew), input, notes).
CASES = {
    "AutoRec": (lambda: dict(n_hidden=4, n_users=6, n_items=5, seed=0),
                lambda: np.random.default_rng(0).integers(0, 6, (3, 6)).astype("float32"), {}),
    "Autoencoder": (lambda: dict(AE), lambda: _images(SMALL8), {}),
    "BernoulliRBM": (lambda: dict(n_hidden=4, n_chains=3, image_shape=SMALL8, seed=0),
                     lambda: _images(SMALL8), {}),
    "BiasedMF": (lambda: dict(n_factors=3, n_users=6, n_items=5, seed=0),
                 lambda: np.array([[1, 1], [2, 3], [6, 5]], "int32"), {}),
    "CNNClassifier": (lambda: dict(n_classes=3, filters=(2, 2, 2), feature_units=4, seed=0),
                      lambda: _images((28, 28, 1)), {}),
    "ContractiveAutoencoder": (lambda: dict(AE), lambda: _images(SMALL8), {}),
    "DBN": (lambda: dict(layer_sizes=(64, 8, 4), image_shape=SMALL8, n_chains=3, seed=0),
            lambda: _images(SMALL8), {}),
    "DBNClassifier": (lambda: dict(hidden_units=(8, 4), n_classes=3, image_shape=SMALL8, seed=0),
                      lambda: _images(SMALL8), {}),
    "DeepAutoencoder": (lambda: dict(layer_sizes=(64, 8, 4), image_shape=SMALL8, seed=0),
                        lambda: _images(SMALL8), {}),
    "DeepClustering": (lambda: dict(encoder=TinyEncoder(), n_clusters=2, seed=0),
                       lambda: _images(SMALL8), {}),
    "DenoisingAutoencoder": (lambda: dict(AE), lambda: _images(SMALL8), {}),
    "GAN": (lambda: dict(latent_dim=4, generator_filters=(4, 2), discriminator_filters=(2,), seed=0),
            lambda: np.random.default_rng(0).standard_normal((3, 4)).astype("float32"),
            {"training_step": "not applicable: a GAN has no single forward loss (fit runs its own "
                              "two-network train_step), and the harness's wrapper calls it "
                              "without training=True, i.e. the EMA generator, which has no "
                              "trainable weights (test_gan_model checks that model(z, "
                              "training=True) differentiates the generator)"}),
    "GaussianBernoulliRBM": (lambda: dict(n_hidden=4, n_chains=3, image_shape=SMALL8, seed=0),
                             lambda: _images(SMALL8), {}),
    # xi: under a 16-bit policy the power iteration's direction must survive rounding.
    "IMSAT": (lambda: dict(n_clusters=2, hidden_units=(8,), image_shape=SMALL8, xi=0.25, seed=0),
              lambda: _images(SMALL8), {}),
    "RBMRecommender": (lambda: dict(n_hidden=4, n_users=6, n_items=5, seed=0),
                       lambda: np.random.default_rng(0).integers(0, 6, (3, 5)).astype("int32"), {}),
    "SparseAutoencoder": (lambda: dict(AE), lambda: _images(SMALL8), {}),
    "VariationalAutoencoder": (lambda: dict(latent_dim=2, hidden_units=(8,), seed=0),
                               lambda: _images((28, 28, 1)), {}),
}
NOT_KERAS = ("not applicable: a numpy baseline (fit_ratings on a rating history), not a "
             "keras.Model")


class _Harness(test_case.TestCase):
    """keras-hub's TestCase as an object (pytest runs the checks, not unittest)."""

    __test__ = False  # not a unittest case for pytest to collect

    def runTest(self):  # noqa: N802 (unittest's name)
        pass


@pytest.fixture
def harness(tmp_path):
    case = _Harness()
    case.get_temp_dir = lambda: str(tmp_path)  # pytest's temporary folder, cleaned up
    return case


def test_every_public_model_class_has_a_case():
    assert sorted(CASES) == sorted(
        name for name in kerazoo.models.__all__
        if issubclass(getattr(kerazoo.models, name), keras.Model))


def _class_case(name, check):
    cls = getattr(kerazoo.models, name)
    if not issubclass(cls, keras.Model):
        pytest.skip(NOT_KERAS)
    kwargs, make_input, notes = CASES[name]
    if check in notes:
        pytest.skip(notes[check])
    return cls, kwargs, keras.ops.convert_to_tensor(make_input())


# The training step fits `call`, which leaves some weights out by design (an RBM's visible
# biases, the VAE's posterior log-variance); Keras warns about them.
@pytest.mark.filterwarnings("ignore:Gradients do not exist for variables")
@pytest.mark.parametrize("check", CLASS_CHECKS)
@pytest.mark.parametrize("name", sorted(kerazoo.models.__all__))
def test_model_class(name, check, harness, tmp_path):
    cls, kwargs, x = _class_case(name, check)
    keras.utils.set_random_seed(0)
    if check == "serialization":
        harness.run_serialization_test(cls(**kwargs()))
    elif check == "saving":
        harness.run_model_saving_test(cls, kwargs(), x)
    elif check == "layer":
        reference = cls(**kwargs())
        output = reference(x)
        harness.run_layer_test(
            cls, kwargs(), x,
            expected_output_shape=tuple(output.shape),
            expected_num_trainable_weights=len(reference.trainable_weights),
            expected_num_non_trainable_weights=len(reference.non_trainable_weights),
            expected_num_non_trainable_variables=len(reference.non_trainable_variables),
            run_training_check=False,
            run_precision_checks=False,
        )
    elif check == "training_step":
        _run_training_step(cls(**kwargs()), x)
    elif check == "precision":
        harness.run_precision_test(cls, kwargs(), x)
    elif check == "export":
        model = cls(**kwargs())
        expected = keras.ops.convert_to_numpy(model(x))
        model.export(str(tmp_path / "served"), verbose=False)
        served = tf.saved_model.load(str(tmp_path / "served"))
        harness.assertAllClose(served.serve(x), expected, atol=1e-5, rtol=1e-5)


def _run_training_step(layer, input_data):
    """The `run_training_step` nested in keras-hub's `run_layer_test`, verbatim in effect:
    a wrapper model around the layer, SGD and the mean squared error against the layer's
    own outputs, one epoch (jit-compiled, as the harness does off torch)."""

    class TestModel(keras.Model):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def call(self, x):
            return self.layer(x)

    output_data = keras.ops.convert_to_numpy(layer(input_data))
    model = TestModel(layer)
    model.compile(optimizer="sgd", loss="mse", jit_compile=keras.config.backend() != "torch")
    model.fit(keras.ops.convert_to_numpy(input_data), output_data, verbose=0)


# ------------------------------------------------------------------------------- zoo entries

ENTRIES = sorted(json.loads((ZOO / "index.json").read_text())["entries"]) if ZOO.is_dir() else []


@pytest.fixture(scope="module")
def zoo_models():
    """Each zoo entry, loaded at its first use, once for the module (not compiled)."""
    loaded = {}

    def get(name):
        if name not in loaded:
            loaded[name] = kerazoo.load(name, zoo_dir=ZOO, compile=False)
        return loaded[name]

    return get


def _example_input(model):
    """A small batch of what the entry's model takes."""
    rng = np.random.default_rng(0)
    if isinstance(model, kerazoo.models.GAN):
        return rng.standard_normal((2, model.latent_dim)).astype("float32")
    if isinstance(model, kerazoo.models.AutoRec):
        return rng.integers(0, 6, (2, model.n_inputs)).astype("float32")
    if isinstance(model, kerazoo.models.RBMRecommender):
        return rng.integers(0, 6, (2, model.n_items)).astype("int32")
    images, _ = kerazoo.datasets.load_fashion_mnist_sample()
    return images[:2].reshape((2,) + tuple(getattr(model, "image_shape", (28, 28, 1))))


@pytest.mark.parametrize("check", ZOO_CHECKS)
@pytest.mark.parametrize("entry", ENTRIES)
def test_zoo_entry(entry, check, zoo_models, harness, tmp_path):
    model = zoo_models(entry)
    if check == "serialization":
        harness.run_serialization_test(model)
    elif check == "saving":
        # run_model_saving_test's steps, on the loaded entry instead of a new instance.
        x = keras.ops.convert_to_tensor(_example_input(model))
        output = model(x)
        path = tmp_path / "model.keras"
        model.save(path)
        restored = keras.models.load_model(path)
        harness.assertIsInstance(restored, type(model))
        harness.assertAllClose(output, restored(x), atol=1e-6, rtol=1e-6)


def test_zoo_imsat_evaluates_and_exports(zoo_models, tmp_path):
    # Issue 32: evaluate() of the entry raised "No loss to compute", export() "has never
    # called". The same checks for the classes are above; this is the shipped entry.
    model = zoo_models("imsat.fashion_mnist")
    images, _ = kerazoo.datasets.load_fashion_mnist_sample()
    model.compile()
    logs = model.evaluate(images[:64], batch_size=64, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "vat_loss", "conditional_entropy", "marginal_entropy"}
    assert all(np.isfinite(v) for v in logs.values())
    expected = keras.ops.convert_to_numpy(model(images[:4]))
    model.export(str(tmp_path / "served"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(served.serve(images[:4]).numpy(), expected, atol=1e-5)


# ------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("policy", ["float64", "int32", "int8_from_float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unsupported_dtype_policy_is_refused_at_construction(name, policy):
    # "Bad input" of issue 32: a clear error naming the class and the policy, never a
    # kernel error from inside call.
    kwargs, _, _ = CASES[name]
    with pytest.raises(ValueError, match=rf"^{name} supports the dtype policies .*Received: dtype='{policy}'"):
        getattr(kerazoo.models, name)(**kwargs(), dtype=policy)
