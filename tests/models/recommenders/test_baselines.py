"""Baselines: the global mean and the ALS biases on real MovieLens-100k fold 1 (numbers
pinned), the ALS fixed point, biased MF on planted data, fold-in by ridge regression."""

import keras
import numpy as np
import pytest

from kerazoo.hub.export import export_saved_model, run_signatures
from kerazoo.models import BiasedMF, GlobalMean, UserItemBiases
from kerazoo.recipes.recommender_evaluation import evaluate_fold
from saving_harness import run_saving_test


def test_global_mean_on_fold_1(fold1):
    train, test = fold1
    model = GlobalMean().fit_ratings(train)
    assert model.mean_ == pytest.approx(3.52835)
    np.testing.assert_allclose(model.predict_ratings([1, 943], [1, 1682], history=train), 3.52835,
                               rtol=1e-6)
    assert evaluate_fold(model, train, test)["rmse"] == pytest.approx(1.1536759, abs=1e-6)


def test_user_item_biases_on_fold_1(fold1):
    train, test = fold1
    model = UserItemBiases().fit_ratings(train)
    scores = evaluate_fold(model, train, test)
    assert scores["rmse"] == pytest.approx(0.9688596, abs=1e-6)
    assert scores["mae"] == pytest.approx(0.7692870, abs=1e-6)
    # At the ALS fixed point each item bias is the shrunken mean of its residuals.
    u, i, r = train[:, 0] - 1, train[:, 1] - 1, train[:, 2]
    resid = r - model.mean_ - model.user_bias_[u]
    item = 49
    expected = resid[i == item].sum() / (model.reg_item + (i == item).sum())
    assert model.item_bias_[item] == pytest.approx(expected, abs=1e-3)


def test_biases_fold_in_uses_the_same_shrinkage(fold1):
    train, _ = fold1
    model = UserItemBiases().fit_ratings(train)
    mine = {50: 5, 172: 5, 181: 4}
    bias = sum(r - model.mean_ - model.item_bias_[i - 1] for i, r in mine.items()) / (
        model.reg_user + 3)
    np.testing.assert_allclose(model.fold_in(mine), np.clip(model.mean_ + bias + model.item_bias_, 1, 5),
                               rtol=1e-5)


def test_unfitted_baseline_says_so():
    with pytest.raises(RuntimeError, match="fit_ratings"):
        GlobalMean().predict_ratings([1], [1], history=np.array([[1, 1, 3]]))


@pytest.fixture(scope="module")
def planted_mf(planted):
    train, _ = planted
    keras.utils.set_random_seed(0)
    model = BiasedMF(n_factors=4, l2=0.01, n_users=120, n_items=40, seed=0)
    model.fit_ratings(train, epochs=40, batch_size=512, learning_rate=0.05, verbose=0)
    return model


def test_biased_mf_learns_the_planted_structure(planted, planted_mf):
    train, test = planted
    mean_rmse = np.sqrt(np.mean((test[:, 2] - train[:, 2].mean()) ** 2))
    assert evaluate_fold(planted_mf, train, test, k=5)["rmse"] < 0.6 * mean_rmse
    # predict_ratings agrees with the Keras forward pass on (user, item) pairs.
    pairs = test[:5, :2]
    np.testing.assert_allclose(planted_mf.predict_ratings(pairs[:, 0], pairs[:, 1], history=train),
                               np.clip(keras.ops.convert_to_numpy(planted_mf(pairs)), 1, 5),
                               rtol=1e-5)


def test_biased_mf_fold_in_is_a_ridge_regression(planted, planted_mf):
    train, _ = planted
    mine = train[train[:, 0] == 9]
    got = planted_mf.fold_in(mine[:, 1:])
    q = np.array(planted_mf.item_factors)
    bi = np.array(planted_mf.item_bias)
    mu = float(planted_mf.global_bias)
    x = np.hstack([np.ones((len(mine), 1)), q[mine[:, 1] - 1]])
    coef = np.linalg.lstsq(
        np.vstack([x, np.sqrt(planted_mf.l2 * len(mine)) * np.eye(5)]),
        np.concatenate([mine[:, 2] - mu - bi[mine[:, 1] - 1], np.zeros(5)]), rcond=None)[0]
    np.testing.assert_allclose(got, np.clip(mu + bi + coef[0] + q @ coef[1:], 1, 5), rtol=1e-4)


def test_biased_mf_saves_loads_and_serves(planted, planted_mf, tmp_path):
    train, _ = planted
    run_saving_test(planted_mf, tmp_path, methods=[("predict_matrix", {"history": train})])
    export_saved_model(planted_mf, tmp_path / "sm")
    assert run_signatures(tmp_path / "sm")["predict_pairs"]["output_0"] == (2,)


def test_a_called_biased_mf_exports_a_serving_function_on_integer_pairs(tmp_path):
    # Issue 32: BiasedMF marked itself built in __init__, so Keras recorded no input shape
    # and export() refused it ("has never called").
    import tensorflow as tf

    model = BiasedMF(n_factors=3, n_users=6, n_items=5, seed=0)
    pairs = np.array([[1, 1], [2, 3], [6, 5]], "int32")
    expected = keras.ops.convert_to_numpy(model(pairs))
    model.export(str(tmp_path / "served"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(served.serve(pairs).numpy(), expected, rtol=1e-6)
    assert served.serve.input_signature[0].dtype == tf.int32  # ids, not floats
    with pytest.raises(ValueError, match=r"BiasedMF takes \(user_id, item_id\) pairs of shape \(N, 2\)"):
        model.build((None, 3))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_biased_mf_returns_what_it_declares_under_a_mixed_policy(policy):
    # Issue 32: compute_output_spec said float32 while call returned float16.
    model = BiasedMF(n_factors=3, n_users=6, n_items=5, seed=0, dtype=policy)
    pairs = keras.ops.convert_to_tensor(np.array([[1, 1], [2, 3], [6, 5]], "int32"))
    out, spec = model(pairs), model.compute_output_spec(pairs)
    compute = keras.mixed_precision.Policy(policy).compute_dtype
    assert keras.backend.standardize_dtype(out.dtype) == spec.dtype == compute
    plain = BiasedMF(n_factors=3, n_users=6, n_items=5, seed=0)
    np.testing.assert_allclose(np.asarray(keras.ops.cast(out, "float32")), np.asarray(plain(pairs)),
                               rtol=2e-2)
