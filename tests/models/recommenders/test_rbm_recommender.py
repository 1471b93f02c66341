"""RBMRecommender: its maths against brute-force enumeration, CD's treatment of missing
ratings, the CD-k schedule, learning on planted data, the recommender API, saving and
bad input."""

import itertools

import keras
import numpy as np
import pytest

from kerazoo.hub.export import export_saved_model, run_signatures
from kerazoo.models import RBMRecommender
from kerazoo.recipes.recommender_evaluation import evaluate_fold
from kerazoo.models.recommenders.rbm_recommender import CDStepsSchedule, cd_steps_at
from saving_harness import run_saving_test


def tiny_rbm(conditional=True, prediction="exact", n_hidden=3, n_items=4, seed=0):
    """A small RBM with random weights of every kind (a fixed numpy seed)."""
    model = RBMRecommender(n_hidden=n_hidden, n_items=n_items, n_users=3, conditional=conditional,
                           prediction=prediction, hidden_dropout=0.0, seed=seed)
    rng = np.random.default_rng(seed)
    model.kernel_flat.assign(rng.normal(0, 0.8, (n_items * 5, n_hidden)).astype("float32"))
    model.visible_bias.assign(rng.normal(0, 0.5, (n_items, 5)).astype("float32"))
    model.hidden_bias.assign(rng.normal(0, 0.5, n_hidden).astype("float32"))
    if conditional:
        model.implicit_kernel.assign(rng.normal(0, 0.8, (n_items, n_hidden)).astype("float32"))
    model.rating_kernel.assign(rng.normal(0, 0.5, (5, n_hidden)).astype("float32"))
    model.ordinal_kernel.assign(rng.normal(0, 0.3, (n_items, n_hidden)).astype("float32"))
    return model


def energy(model, onehot, rated, h):
    w = keras.ops.convert_to_numpy(model.kernel)
    b = keras.ops.convert_to_numpy(model.visible_bias)
    c = keras.ops.convert_to_numpy(model.hidden_bias)
    e = -np.einsum("ik,ikj,j->", onehot, w, h) - np.sum(onehot * b) - h @ c
    if model.conditional:
        e -= h @ (rated @ keras.ops.convert_to_numpy(model.implicit_kernel))
    return e


def onehot_of(ratings):
    out = np.zeros((len(ratings), 5))
    for i, r in enumerate(ratings):
        if r:
            out[i, r - 1] = 1
    return out


HIDDEN_STATES = [np.array(h, float) for h in itertools.product([0, 1], repeat=3)]


@pytest.mark.parametrize("conditional", [False, True])
def test_free_energy_is_minus_log_of_the_summed_out_joint(conditional):
    model = tiny_rbm(conditional)
    ratings = np.array([5, 0, 2, 0])
    rated = np.array([1, 1, 1, 0], float)  # item 2 known rated, rating unknown
    v = onehot_of(ratings)
    brute = -np.log(sum(np.exp(-energy(model, v, rated, h)) for h in HIDDEN_STATES))
    got = model._free_energy(v[None].astype("float32"), rated[None].astype("float32"),
                             model._flat_kernel())
    assert float(got[0]) == pytest.approx(brute, rel=1e-5)


@pytest.mark.parametrize("conditional", [False, True])
def test_exact_prediction_matches_enumeration_of_the_hidden_states(conditional):
    model = tiny_rbm(conditional, prediction="exact")
    ratings = np.array([4, 0, 1, 0])
    pred = keras.ops.convert_to_numpy(model(ratings[None].astype("int32")))[0]
    for q in (1, 3):  # the unrated items, each conditioned on being rated
        probs = []
        for k in range(1, 6):
            full = ratings.copy()
            full[q] = k
            rated = (full > 0).astype(float)
            probs.append(sum(np.exp(-energy(model, onehot_of(full), rated, h))
                             for h in HIDDEN_STATES))
        probs = np.array(probs) / np.sum(probs)
        assert pred[q] == pytest.approx(probs @ np.arange(1, 6), rel=1e-5)


def test_mean_field_prediction_follows_its_formula():
    model = tiny_rbm(True, prediction="mean_field")
    ratings = np.array([0, 3, 0, 5])
    w = keras.ops.convert_to_numpy(model.kernel)
    b = keras.ops.convert_to_numpy(model.visible_bias)
    c = keras.ops.convert_to_numpy(model.hidden_bias)
    d = keras.ops.convert_to_numpy(model.implicit_kernel)
    v = onehot_of(ratings)
    pred = keras.ops.convert_to_numpy(model(ratings[None].astype("int32")))[0]
    for q in (0, 2):
        rated = (ratings > 0).astype(float)
        rated[q] = 1
        p_h = 1 / (1 + np.exp(-(c + np.einsum("ik,ikj->j", v, w) + rated @ d)))
        logits = b[q] + w[q] @ p_h
        p = np.exp(logits - logits.max())
        assert pred[q] == pytest.approx((p / p.sum()) @ np.arange(1, 6), rel=1e-5)


def test_the_implicit_input_changes_predictions_only_in_the_conditional_model(planted):
    ratings = np.array([[4, 0, 1, 0]], dtype="int32")
    for conditional in (False, True):
        model = tiny_rbm(conditional, prediction="mean_field")
        alone = keras.ops.convert_to_numpy(model(ratings))
        with_rated = keras.ops.convert_to_numpy(
            model({"ratings": ratings, "rated": np.array([[1, 0, 1, 1]], "float32")}))
        changed = not np.allclose(alone[0, 1], with_rated[0, 1])
        assert changed == conditional


def test_cd_leaves_items_nobody_in_the_batch_rated_untouched():
    model = RBMRecommender(n_hidden=4, n_items=6, n_users=5, weight_decay=0.0, cd_k=2, seed=3)
    model.compile(keras.optimizers.SGD(0.5))
    ratings = np.array([[5, 1, 0, 3, 0, 0], [2, 0, 4, 0, 0, 0]], dtype="int32")  # items 4, 5 unrated
    before = {v.name: np.array(v) for v in model.trainable_variables}
    model.train_on_batch({"ratings": ratings, "rated": (ratings > 0).astype("float32")})
    kernel = np.array(model.kernel_flat).reshape(6, 5, 4)  # the per-item weights
    kernel_before = before["kernel"].reshape(6, 5, 4)
    np.testing.assert_array_equal(kernel[4:], kernel_before[4:])
    np.testing.assert_array_equal(np.array(model.visible_bias)[4:], before["visible_bias"][4:])
    np.testing.assert_array_equal(np.array(model.implicit_kernel)[4:], before["implicit_kernel"][4:])
    np.testing.assert_array_equal(np.array(model.ordinal_kernel)[4:], before["ordinal_kernel"][4:])
    assert not np.allclose(kernel[:4], kernel_before[:4])
    assert not np.allclose(np.array(model.rating_kernel), before["rating_kernel"])


def test_shared_and_ordinal_weights_add_to_every_items_weights():
    model = tiny_rbm(conditional=False)
    per_item = np.array(model.kernel_flat).reshape(4, 5, 3)
    shared = np.array(model.rating_kernel)
    ordinal = np.array(model.ordinal_kernel)
    expected = per_item + shared[None] + np.arange(-2, 3)[None, :, None] * ordinal[:, None, :]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.kernel), expected, rtol=1e-5,
                               atol=1e-6)
    plain = RBMRecommender(n_hidden=3, n_items=4, n_users=3, shared_rating_weights=False,
                           ordinal_weights=False)
    assert not hasattr(plain, "rating_kernel") and not hasattr(plain, "ordinal_kernel")
    assert len(plain.trainable_variables) == 4  # W', b, c, D


def test_hidden_dropout_scales_the_mean_field_prediction():
    """Dropout's weight-scaling rule: hidden activations times 1 - p at prediction."""
    model = tiny_rbm(True, prediction="mean_field")
    dropped = RBMRecommender.from_config({**model.get_config(), "hidden_dropout": 0.5})
    dropped.set_weights(model.get_weights())
    ratings = np.array([[2, 0, 5, 0]], "int32")
    got = keras.ops.convert_to_numpy(dropped(ratings))[0]
    assert not np.allclose(got, keras.ops.convert_to_numpy(model(ratings))[0])
    rated = np.array([[1, 1, 1, 0]], "float32")  # item 1 queried: counted as rated
    p_h = keras.ops.convert_to_numpy(model.transform({"ratings": ratings, "rated": rated}))[0]
    logits = np.array(model.visible_bias)[1] + keras.ops.convert_to_numpy(model.kernel)[1] @ (0.5 * p_h)
    p = np.exp(logits - logits.max())
    assert got[1] == pytest.approx((p / p.sum()) @ np.arange(1, 6), rel=1e-5)


def test_hidden_dropout_zeroes_a_fraction_of_units_while_training():
    model = RBMRecommender(n_hidden=200, n_items=6, n_users=4, hidden_dropout=0.3, seed=0,
                           weight_decay=0.0, shared_rating_weights=False, ordinal_weights=False,
                           conditional=False)
    model.compile(keras.optimizers.SGD(1.0))
    ratings = np.array([[5, 1, 0, 3, 0, 2]], dtype="int32")
    before = np.array(model.hidden_bias)
    model.train_on_batch(ratings)
    # A dropped unit has no activity in either phase, so its bias gets no update.
    unchanged = np.isclose(np.array(model.hidden_bias), before, atol=0, rtol=0)
    assert 0.2 < unchanged.mean() < 0.4


def test_cd_update_has_the_sign_of_the_data_statistics():
    """One CD step raises the visible bias of the ratings the data show most."""
    model = RBMRecommender(n_hidden=4, n_items=3, n_users=50, weight_decay=0.0, seed=1)
    model.compile(keras.optimizers.SGD(0.1))
    ratings = np.tile(np.array([[5, 5, 1]], dtype="int32"), (50, 1))
    model.train_on_batch({"ratings": ratings})
    bias = np.array(model.visible_bias)
    assert bias[0, 4] > 0 and bias[1, 4] > 0 and bias[2, 0] > 0
    assert np.all(bias[0, :4] < 0) and np.all(bias[2, 1:] < 0)


def test_cd_schedule_grows_the_gibbs_steps_by_epoch():
    assert [cd_steps_at([[0, 1], [2, 3], [4, 5]], e) for e in range(6)] == [1, 1, 3, 3, 5, 5]
    model = RBMRecommender(n_hidden=3, n_items=5, n_users=4, cd_k=[[0, 1], [1, 3]], seed=0)
    model.compile()
    seen = []
    watch = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(int(model.cd_steps.numpy())))
    ratings = np.array([[1, 2, 0, 4, 5], [0, 3, 3, 0, 1]], dtype="int32")
    history = model.fit(ratings, epochs=3, batch_size=2, callbacks=[watch], verbose=0)
    assert seen == [1, 3, 3]
    assert all(np.isfinite(v).all() for v in history.history.values())


@pytest.mark.parametrize("bad", [0, -1, [[1, 2]], [[0, 0]], [[0, 1], [0, 2]], "3", [[0, 1.5]]])
def test_bad_cd_schedules_are_rejected(bad):
    with pytest.raises(ValueError, match="cd_k"):
        RBMRecommender(cd_k=bad)
    with pytest.raises(ValueError, match="cd_k"):
        CDStepsSchedule(bad)


def test_constructor_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_hidden"):
        RBMRecommender(n_hidden=0)
    with pytest.raises(ValueError, match="prediction"):
        RBMRecommender(prediction="mode")
    with pytest.raises(ValueError, match="weight_decay"):
        RBMRecommender(weight_decay=-1.0)
    with pytest.raises(TypeError, match="conditional"):
        RBMRecommender(conditional="yes")
    with pytest.raises(ValueError, match="factor_rank"):
        RBMRecommender(factor_rank=0)


def test_weight_averaging_ends_at_the_moving_average_of_the_iterates(planted):
    train, _ = planted
    model = RBMRecommender(n_hidden=4, n_users=120, n_items=40, cd_k=1, seed=0)
    model.init_visible_bias(train)
    seen = [[keras.ops.convert_to_numpy(v).copy() for v in model.trainable_variables]]
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(
        [keras.ops.convert_to_numpy(v).copy() for v in model.trainable_variables]))
    model.fit_ratings(train, epochs=2, batch_size=40, learning_rate=0.05, ema_momentum=0.8,
                      callbacks=[record], verbose=0, shuffle=False)
    assert len(seen) == 1 + 2 * 3  # the initial weights, then 3 steps per epoch
    average = seen[1]  # Keras starts the average at the weights after the first step
    for step in seen[2:]:
        average = [0.8 * a + 0.2 * w for a, w in zip(average, step)]
    for got, want in zip(model.trainable_variables, average):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want, rtol=1e-4, atol=1e-6)
    assert not np.allclose(average[0], seen[-1][0])
    # Re-compiled plainly: later training moves the weights themselves.
    assert not model.optimizer.use_ema
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)


def test_learning_rate_decays_per_epoch(planted):
    train, _ = planted
    model = RBMRecommender(n_hidden=4, n_users=120, n_items=40, cd_k=1, seed=0)
    model.fit_ratings(train, epochs=2, batch_size=40, learning_rate=0.01, lr_decay=0.5, verbose=0)
    assert model.optimizer.iterations.numpy() == 6
    # 3 steps per epoch (120 users / 40): after 2 epochs the rate is 0.01 * 0.5**2.
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0025)


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": 0.01, "lr_decay": 0.0}, "lr_decay"),
    ({"learning_rate": 0.01, "lr_decay": 1.5}, "lr_decay"),
    ({"learning_rate": 0.01, "ema_momentum": 1.0}, "ema_momentum"),
    ({"learning_rate": 0.01, "ema_momentum": -0.1}, "ema_momentum"),
    ({"ema_momentum": 0.9}, "needs `learning_rate`"),
])
def test_fit_ratings_rejects_bad_schedules(planted, kwargs, message):
    model = RBMRecommender(n_hidden=4, n_users=120, n_items=40, seed=0)
    with pytest.raises(ValueError, match=message):
        model.fit_ratings(planted[0], epochs=1, verbose=0, **kwargs)


def fit_planted(planted, **kwargs):
    train, test = planted
    args = dict(n_hidden=8, n_users=120, n_items=40, cd_k=1, seed=0)
    args.update(kwargs)
    model = RBMRecommender(**args)
    model.compile(keras.optimizers.Adam(0.02))
    model.fit_ratings(train, epochs=40, batch_size=20, verbose=0)
    return model


@pytest.fixture(scope="module")
def planted_rbm(planted):
    return fit_planted(planted)


def test_learns_the_planted_structure(planted, planted_rbm):
    train, test = planted
    mean_rmse = np.sqrt(np.mean((test[:, 2] - train[:, 2].mean()) ** 2))
    scores = evaluate_fold(planted_rbm, train, test, k=5)
    assert mean_rmse > 1.4
    assert scores["rmse"] < 0.6 * mean_rmse
    # Random scores give recall@5 = 0.20 here (half the candidates are in no test set).
    assert scores["recall@5"] > 0.4


def test_factored_kernel_learns_too(planted):
    train, test = planted
    model = fit_planted(planted, factor_rank=4, conditional=False)
    assert tuple(model.kernel.shape) == (40, 5, 8)
    assert evaluate_fold(model, train, test, k=5)["rmse"] < 0.9


def test_predict_ratings_counts_the_queried_pairs_as_rated(planted, planted_rbm):
    train, _ = planted
    model = planted_rbm
    matrix = np.zeros((120, 40), "int32")
    matrix[train[:, 0] - 1, train[:, 1] - 1] = train[:, 2]
    user, items = 7, np.flatnonzero(matrix[6] == 0)[:3] + 1
    got = model.predict_ratings(np.full(3, user), items, history=train)
    rated = (matrix[6:7] > 0).astype("float32")
    rated[0, items - 1] = 1
    direct = keras.ops.convert_to_numpy(model({"ratings": matrix[6:7], "rated": rated}))[0]
    np.testing.assert_allclose(got, np.clip(direct[items - 1], 1, 5), rtol=1e-5)


def test_recommend_and_fold_in(planted, planted_rbm):
    train, _ = planted
    model = planted_rbm
    items, preds = model.recommend(3, k=5, history=train)
    seen = train[train[:, 0] == 3, 1]
    assert len(items) == 5 and not np.isin(items, seen).any()
    assert np.all(np.diff(preds) <= 1e-6) and np.all((preds >= 1) & (preds <= 5))
    with_seen, _ = model.recommend(3, k=40, exclude_seen=False, history=train)
    assert sorted(with_seen) == list(range(1, 41))
    # A new user who rates like user 3 gets user 3's predictions.
    mine = {int(i): int(r) for _, i, r in train[train[:, 0] == 3]}
    np.testing.assert_allclose(model.fold_in(mine), model.predict_matrix([3], history=train)[0],
                               rtol=1e-5)
    new_items, _ = model.recommend_new_user(mine, k=5)
    np.testing.assert_array_equal(new_items, items)


def test_bad_input_is_rejected_with_clear_errors(planted, planted_rbm):
    train, _ = planted
    model = planted_rbm
    with pytest.raises(ValueError, match="Unknown user_id 121"):
        model.predict_ratings([121], [1], history=train)
    with pytest.raises(ValueError, match="Unknown item_id 0"):
        model.predict_ratings([1], [0], history=train)
    with pytest.raises(ValueError, match="same length"):
        model.predict_ratings([1, 2], [1], history=train)
    bad = train.copy()
    bad[0, 2] = 6
    with pytest.raises(ValueError, match="1..5"):
        model.predict_ratings([1], [1], history=bad)
    with pytest.raises(ValueError, match="more than once"):
        model.predict_ratings([1], [1], history=np.concatenate([train, train[:1]]))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        model.predict_ratings([1], [1], history=train[:, :2])
    with pytest.raises(TypeError, match="integers"):
        model.predict_ratings([1.5], [1], history=train)
    with pytest.raises(ValueError, match="empty"):
        model.fold_in({})
    with pytest.raises(ValueError, match="1..5"):
        model.fold_in({3: 0})
    with pytest.raises(ValueError, match="Unknown item_id 41"):
        model.fold_in([[41, 3]])
    with pytest.raises(ValueError, match="`k`"):
        model.recommend(1, k=0, history=train)
    with pytest.raises(ValueError, match="single id"):
        model.recommend([1, 2], history=train)
    with pytest.raises(ValueError, match="keys"):
        model({"stars": np.zeros((1, 40), "int32")})


def test_saves_loads_and_fine_tunes(planted, planted_rbm, tmp_path):
    train, _ = planted
    again = run_saving_test(planted_rbm, tmp_path, methods=[("predict_matrix", {"history": train})])
    assert again.compiled and isinstance(again.optimizer, keras.optimizers.Adam)
    x, y = again.training_data(train)
    assert y is None
    history = again.fit(x, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_saved_model_endpoints_take_a_rating_matrix(planted_rbm, tmp_path):
    names = export_saved_model(planted_rbm, tmp_path / "sm")
    assert set(names) == {"predict_ratings", "transform", "predict_ratings_implicit",
                          "serving_default"}
    shapes = run_signatures(tmp_path / "sm")
    assert shapes["predict_ratings"]["output_0"] == (2, 40)
    assert shapes["transform"]["output_0"] == (2, 8)
    assert shapes["predict_ratings_implicit"]["output_0"] == (2, 40)


def test_a_called_model_exports_a_serving_function(tmp_path):
    # Issue 32: the model marked itself built in __init__, so Keras recorded no input shape
    # and export() refused it ("has never called").
    import tensorflow as tf

    model = tiny_rbm()
    ratings = np.array([[0, 3, 5, 1], [2, 0, 0, 4]], "int32")
    expected = keras.ops.convert_to_numpy(model(ratings))
    model.export(str(tmp_path / "served"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(served.serve(ratings).numpy(), expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"RBMRecommender takes rating matrices of shape \(N, 4\)"):
        model.build((None, 5))


def test_trains_and_predicts_under_the_global_mixed_float16_policy(planted):
    # Issue 32: under keras.config.set_dtype_policy("mixed_float16") the model crashed in
    # call ("cannot compute Mul as input #1 ... half tensor"): its float32 constants and
    # weights met the float16 compute dtype.
    train, test = planted
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        mixed = RBMRecommender(n_hidden=8, n_users=120, n_items=40, seed=0)
    finally:
        keras.config.set_dtype_policy(previous)
    plain = RBMRecommender(n_hidden=8, n_users=120, n_items=40, seed=0)
    assert mixed.compute_dtype == "float16" and mixed.variable_dtype == "float32"
    mixed.init_visible_bias(train)
    plain.set_weights(mixed.get_weights())
    x, _ = mixed.training_data(train)
    out = mixed(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    np.testing.assert_allclose(np.asarray(out, "float32"), np.asarray(plain(x)), atol=0.02)
    history = mixed.fit_ratings(train, epochs=5, batch_size=20, learning_rate=0.01, verbose=0,
                                validation=test)
    assert type(mixed.optimizer).__name__ == "LossScaleOptimizer"
    assert np.all(np.isfinite(history.history["loss"]))
    # It learns as the float32 model does (val_rmse 1.52 -> 0.68 in float32, -> 0.88 here).
    rmse = history.history["val_rmse"]
    assert rmse[-1] < 1.0 and rmse[-1] < 0.75 * rmse[0], rmse
    assert mixed.predict_ratings(test[:, 0], test[:, 1], history=train).dtype == np.float32
