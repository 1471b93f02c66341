"""DBN: argument checks, greedy pretraining and its resumption, sampling, features, saving."""

import json

import keras
import numpy as np
import pytest

from kerazoo.models import DBN, BernoulliRBM, GaussianBernoulliRBM
from kerazoo.models.dbn import NotPretrainedError
from saving_harness import run_saving_test


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sizes, error, match",
    [
        ([780, 10], ValueError, r"784 for image_shape=\(28, 28, 1\).*Received: layer_sizes=\[780, 10\]"),
        ([784], ValueError, r"at least two positive ints.*Received: layer_sizes=\[784\]"),
        ([784, 0, 10], ValueError, r"Received: layer_sizes=\[784, 0, 10\]"),
        ([784, 2.5], ValueError, r"Received: layer_sizes=\[784, 2.5\]"),
        ("784-500", TypeError, r"Received: layer_sizes='784-500'"),
    ],
)
def test_layer_sizes_are_checked(sizes, error, match):
    with pytest.raises(error, match=match):
        DBN(sizes)


def test_per_layer_settings_need_one_value_per_rbm():
    with pytest.raises(ValueError, match=r"one value per RBM \(2\). Received: weight_decay=\[0.1\]"):
        DBN([784, 20, 10], weight_decay=[0.1])
    with pytest.raises(ValueError, match=r"Received: visible='poisson'"):
        DBN([784, 20], visible="poisson")


def test_rbms_that_do_not_chain_are_refused():
    bottom = BernoulliRBM(20, seed=0)
    top = BernoulliRBM(10, binarize=None, image_shape=(30,), seed=1)
    with pytest.raises(ValueError, match=r"rbms\[1\] has 30 visible units but rbms\[0\] has 20 hidden"):
        DBN.from_rbms([bottom, top])
    binarizing = BernoulliRBM(10, binarize=0.5, image_shape=(20,), seed=1)
    with pytest.raises(ValueError, match=r"BernoulliRBM\(binarize=None\)"):
        DBN.from_rbms([bottom, binarizing])


def test_from_rbms_copies_the_weights_and_counts_as_pretrained(fmnist_small):
    bottom = GaussianBernoulliRBM(20, seed=0)
    bottom.adapt(fmnist_small[0])
    top = BernoulliRBM(10, binarize=None, image_shape=(20,), persistent=False, seed=1)
    dbn = DBN.from_rbms([bottom, top])
    assert dbn.visible == "gaussian" and dbn.layer_sizes == [784, 20, 10] and dbn.is_pretrained
    np.testing.assert_array_equal(dbn.rbms[0].kernel.numpy(), bottom.kernel.numpy())
    np.testing.assert_array_equal(dbn.rbms[0].data_std.numpy(), bottom.data_std.numpy())
    np.testing.assert_allclose(
        dbn.transform(fmnist_small[0][:5]),
        top.transform(bottom.transform(fmnist_small[0][:5])), atol=1e-6,
    )


def test_wrong_input_shapes_name_what_was_received(pretrained_dbn, fmnist_small):
    flat = fmnist_small[0][:4].reshape(4, 784)
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\).*Received: shape=\(4, 784\)"):
        pretrained_dbn.transform(flat)
    with pytest.raises(ValueError, match=r"Received: shape=\(4, 784\)"):
        pretrained_dbn(flat)
    with pytest.raises(ValueError, match=r"Received: shape=\(4, 784\)"):
        DBN([784, 8]).pretrain(flat, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"values in \[0, 255\]"):
        pretrained_dbn.transform(fmnist_small[0][:4] * 255)


def test_fine_tuning_before_pretraining_is_a_clear_error(fmnist_small):
    dbn = DBN([784, 16, 8], seed=0)
    for action in (lambda: dbn.to_classifier(10), dbn.to_autoencoder,
                   lambda: dbn.fit(fmnist_small[0][:10], epochs=1, verbose=0)):
        with pytest.raises(NotPretrainedError, match=r"call pretrain\(x\) first.*0 of its 2 layers"):
            action()


# -- greedy pretraining -------------------------------------------------------------------


def test_each_layer_is_the_rbm_fit_on_the_probabilities_below(fmnist_small):
    """Layer 2 of the DBN equals a BernoulliRBM trained by hand on layer 1's transform."""
    x = fmnist_small[0]
    kwargs = dict(epochs=2, batch_size=50, steps_per_execution=1, verbose=0, shuffle=False)
    keras.utils.set_random_seed(3)
    dbn = DBN([784, 24, 12], seed=7)
    histories = dbn.pretrain(x, **kwargs)
    assert len(histories) == 2 and dbn.pretrained_layers.numpy() == 2
    for h in histories:
        assert len(h.history["reconstruction_error"]) == 2
        assert np.all(np.isfinite(h.history["loss"])) and h.seconds > 0

    keras.utils.set_random_seed(3)
    first = BernoulliRBM(24, binarize=None, persistent=False, weight_decay=2e-4, seed=7)
    first.compile(steps_per_execution=1)
    first.fit(x, epochs=2, batch_size=50, verbose=0, shuffle=False)
    second = BernoulliRBM(12, binarize=None, persistent=False, weight_decay=2e-4,
                          image_shape=(24,), seed=8)
    second.compile(steps_per_execution=1)
    second.fit(first.transform(x), epochs=2, batch_size=50, verbose=0, shuffle=False)
    for mine, theirs in zip(dbn.rbms, (first, second)):
        for a, b in zip(mine.weights_numpy(), theirs.weights_numpy()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The pretrained RBMs drop their optimizers: the DBN saves one copy of the weights.
    assert all(rbm.optimizer is None for rbm in dbn.rbms)


class _StopInLayer(keras.callbacks.Callback):
    def __init__(self, n_hidden):
        super().__init__()
        self.n_hidden = n_hidden

    def on_train_batch_end(self, batch, logs=None):
        if self.model.n_hidden == self.n_hidden:
            raise KeyboardInterrupt("simulated crash")


def test_pretraining_resumes_from_the_checkpoint_after_layer_2(fmnist_small, tmp_path):
    x = fmnist_small[0]
    kwargs = dict(epochs=1, batch_size=50, steps_per_execution=1, verbose=0)
    ckpt = tmp_path / "ckpt"
    keras.utils.set_random_seed(0)
    first = DBN([784, 20, 18, 16], seed=1)
    histories = first.pretrain(x, checkpoint_dir=ckpt, stop_after=2, **kwargs)
    assert len(histories) == 2 and first.pretrained_layers.numpy() == 2
    state = json.loads((ckpt / "dbn_pretrain.json").read_text())
    assert state["layers_done"] == 2 and (ckpt / state["weights"]).exists()
    layer2 = [w.copy() for w in first.rbms[1].weights_numpy()]

    # A crash during layer 3 leaves the checkpoint at layer 2.
    crashed = DBN([784, 20, 18, 16], seed=1)
    with pytest.raises(KeyboardInterrupt):
        crashed.pretrain(x, checkpoint_dir=ckpt, callbacks=[_StopInLayer(16)], **kwargs)
    assert json.loads((ckpt / "dbn_pretrain.json").read_text())["layers_done"] == 2
    assert [p.name for p in ckpt.iterdir() if p.name.startswith(".tmp")] == []

    # A new model with the same folder restores layers 1-2 and trains only layer 3.
    resumed = DBN([784, 20, 18, 16], seed=1)
    histories = resumed.pretrain(x, checkpoint_dir=ckpt, **kwargs)
    assert [h.params["layer"] for h in histories] == [1, 2, 3]
    # The restored history is the one recorded at layer 1, metric by metric and epoch by
    # epoch (pytest.approx takes no nested containers, so compare each list).
    restored, recorded = histories[0].history, state["records"][0]["history"]
    assert sorted(restored) == sorted(recorded) and recorded
    for key, values in recorded.items():
        assert restored[key] == pytest.approx(values, rel=1e-6), key
    assert resumed.is_pretrained
    for a, b in zip(resumed.rbms[1].weights_numpy(), layer2):
        np.testing.assert_array_equal(a, b)
    assert resumed.rbms[2].adapted.numpy() == 1.0
    assert json.loads((ckpt / "dbn_pretrain.json").read_text())["layers_done"] == 3

    # Once all layers are done, pretrain again does nothing; another config is refused.
    before = resumed.rbms[2].kernel.numpy().copy()
    assert len(resumed.pretrain(x, checkpoint_dir=ckpt, **kwargs)) == 3
    np.testing.assert_array_equal(resumed.rbms[2].kernel.numpy(), before)
    with pytest.raises(ValueError, match=r"another configuration.*layer_sizes"):
        DBN([784, 20, 18, 15], seed=1).pretrain(x, checkpoint_dir=ckpt, **kwargs)


# -- generation and features -------------------------------------------------------------------


def test_transform_is_the_up_pass(pretrained_dbn, fmnist_small):
    x = fmnist_small[0][:50]
    h = pretrained_dbn.transform(x, batch_size=16)
    assert h.shape == (50, 24) and h.dtype == np.float32
    assert h.min() >= 0.0 and h.max() <= 1.0
    expected = x
    for rbm in pretrained_dbn.rbms:
        expected = rbm.transform(expected)
    np.testing.assert_allclose(h, expected, atol=1e-6)
    np.testing.assert_allclose(pretrained_dbn(x).numpy(), h, atol=1e-6)


def test_sample_shapes_range_and_seeds(pretrained_dbn):
    a = pretrained_dbn.sample(6, gibbs_steps=20, seed=5)
    b = pretrained_dbn.sample(6, gibbs_steps=20, seed=5)
    c = pretrained_dbn.sample(6, gibbs_steps=20, seed=6)
    assert a.shape == (6, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3
    # The down pass is deterministic: 0 Gibbs steps give the image of the top RBM's
    # visible-bias means, the same for every chain.
    zero = pretrained_dbn.sample(3, gibbs_steps=0, seed=1)
    np.testing.assert_allclose(zero[0], zero[2], atol=1e-7)
    with pytest.raises(ValueError, match=r"Received: gibbs_steps=-1"):
        pretrained_dbn.sample(2, gibbs_steps=-1)
    with pytest.raises(ValueError, match=r"Received: n=0"):
        pretrained_dbn.sample(0)


def test_reconstruct_goes_up_and_down(pretrained_dbn, fmnist_small):
    x = fmnist_small[0][:20]
    r = pretrained_dbn.reconstruct(x)
    assert r.shape == x.shape and r.min() >= 0.0 and r.max() <= 1.0
    h = pretrained_dbn.transform(x)
    for rbm in reversed(pretrained_dbn.rbms):
        h = rbm.rbm.visible_mean(h).numpy()
    np.testing.assert_allclose(r, h.reshape(x.shape), atol=1e-6)


def test_fit_continues_cd_on_every_layer(fmnist_small):
    keras.utils.set_random_seed(0)
    dbn = DBN([784, 16, 8], seed=0, persistent=[False, True])
    dbn.pretrain(fmnist_small[0], epochs=1, batch_size=50, steps_per_execution=1, verbose=0)
    before = [rbm.kernel.numpy().copy() for rbm in dbn.rbms]
    chains = dbn.rbms[1].persistent_chains.numpy().copy()
    dbn.compile()
    history = dbn.fit(fmnist_small[0], epochs=2, batch_size=50, verbose=0,
                      validation_data=fmnist_small[0][:50])
    assert set(history.history) >= {"loss", "reconstruction_error_1", "reconstruction_error_2",
                                    "val_reconstruction_error_1"}
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    for rbm, w in zip(dbn.rbms, before):
        assert np.abs(rbm.kernel.numpy() - w).max() > 1e-5
    assert np.any(dbn.rbms[1].persistent_chains.numpy() != chains)
    with pytest.raises(ValueError, match=r"takes no loss.*Received: loss='mse'"):
        dbn.compile(loss="mse")


# -- saving -------------------------------------------------------------------------------


def test_save_and_load_round_trip(pretrained_dbn, fmnist_small, tmp_path):
    x = fmnist_small[0][:10]
    pretrained_dbn.compile()
    loaded = run_saving_test(pretrained_dbn, tmp_path, inputs=x, atol=0, rtol=0, methods=[
        "transform", lambda m: m.sample(4, seed=2, gibbs_steps=10)])
    assert loaded.is_pretrained and loaded.compiled
    history = loaded.fit(x, epochs=1, batch_size=5, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_runs_under_a_mixed_dtype_policy(pretrained_dbn, fmnist_small, policy):
    # Issue 32: DBN(dtype="mixed_float16") crashed in the RBM layer's matmul (float16 inputs,
    # float32 kernel); the dtype did not reach the RBMs either.
    x = fmnist_small[0][:50]
    mixed = DBN([784, 32, 16, 24], seed=0, dtype=policy)
    compute = mixed.compute_dtype
    assert all(rbm.compute_dtype == rbm.rbm.compute_dtype == compute for rbm in mixed.rbms)
    assert all(w.dtype == "float32" for w in mixed.weights if "float" in w.dtype)
    mixed.set_weights(pretrained_dbn.get_weights())
    out = mixed(x)
    assert keras.backend.standardize_dtype(out.dtype) == compute
    expected = pretrained_dbn.transform(x)
    np.testing.assert_allclose(np.asarray(keras.ops.cast(out, "float32")), expected, atol=0.02)
    features = mixed.transform(x)  # numpy methods return float32 arrays
    assert features.dtype == np.float32
    np.testing.assert_allclose(features, expected, atol=0.02)
    assert mixed.sample(3, gibbs_steps=5, seed=0).dtype == np.float32
    mixed.compile()
    history = mixed.fit(x, epochs=1, batch_size=10, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert mixed.to_classifier(10).compute_dtype == compute
