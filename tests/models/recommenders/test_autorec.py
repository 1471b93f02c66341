"""AutoRec: the masked loss and weight decay, item- and user-based training on planted
data, fold-in, cold items, saving, SavedModel endpoints and bad input."""

import keras
import numpy as np
import pytest

from kerazoo.hub.export import export_saved_model, run_signatures
from kerazoo.models import AutoRec
from kerazoo.models.recommenders import MaskedSquaredError
from kerazoo.recipes.recommender_evaluation import evaluate_fold
from saving_harness import run_saving_test


def test_masked_loss_sums_squared_errors_over_observed_entries_only():
    loss = MaskedSquaredError()
    y_true = np.array([[0, 3, 4], [5, 0, 0]], "float32")
    y_pred = np.array([[5, 3, 2], [4, 1, 1]], "float32")
    # per example: (3-3)^2 + (2-4)^2 = 4 and (4-5)^2 = 1; mean over the batch 2.5
    assert float(loss(y_true, y_pred)) == pytest.approx(2.5)


def test_weight_decay_is_an_l2_penalty_on_both_kernels():
    model = AutoRec(n_hidden=4, n_users=6, n_items=5, l2=0.5, seed=0)
    penalty = sum(float(v) for v in model.losses)
    kernels = [np.array(model.encoder.kernel), np.array(model.decoder.kernel)]
    assert penalty == pytest.approx(0.5 * sum(np.sum(k ** 2) for k in kernels), rel=1e-5)
    assert AutoRec(n_hidden=4, n_users=6, n_items=5, l2=0.0).losses == []


def test_input_dropout_hides_inputs_only_while_training():
    model = AutoRec(n_hidden=4, n_users=6, n_items=5, input_dropout=0.5, seed=0)
    x = np.full((3, 6), 4.0, "float32")
    a = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(model(x)))
    b = keras.ops.convert_to_numpy(model(x, training=True))
    assert not np.allclose(a, b)


def test_orientations_take_item_or_user_vectors(planted):
    train, _ = planted
    item = AutoRec(n_hidden=4, n_users=120, n_items=40)
    user = AutoRec(n_hidden=4, n_users=120, n_items=40, orientation="user")
    x_item, y_item = item.training_data(train)
    x_user, _ = user.training_data(train)
    assert x_item.shape == (40, 120) and x_user.shape == (120, 40)
    np.testing.assert_array_equal(x_item, x_user.T)
    np.testing.assert_array_equal(x_item, y_item)
    u, i, r = train[0]
    assert x_user[u - 1, i - 1] == r and np.count_nonzero(x_user) == len(train)


@pytest.fixture(scope="module", params=["item", "user"])
def planted_autorec(request, planted):
    train, _ = planted
    keras.utils.set_random_seed(0)
    model = AutoRec(n_hidden=16, n_users=120, n_items=40, l2=1e-3, orientation=request.param,
                    seed=0)
    model.fit_ratings(train, epochs=150, batch_size=64, learning_rate=0.05, lr_decay=0.99,
                      verbose=0)
    return model


def test_learns_the_planted_structure(planted, planted_autorec):
    train, test = planted
    mean_rmse = np.sqrt(np.mean((test[:, 2] - train[:, 2].mean()) ** 2))
    scores = evaluate_fold(planted_autorec, train, test, k=5)
    assert scores["rmse"] < 0.6 * mean_rmse
    assert scores["recall@5"] > 0.35  # random scores: 0.20


def test_val_rmse_is_the_rmse_of_the_held_out_ratings(planted, planted_autorec):
    train, test = planted
    history = planted_autorec.fit_ratings(train, epochs=1, batch_size=16, validation=test,
                                          verbose=0)
    # evaluate_fold clips to [1, 5] and val_rmse does not: the clipped error is no larger.
    val = history.history["val_rmse"][0]
    assert evaluate_fold(planted_autorec, train, test)["rmse"] <= val + 1e-4
    assert val < 1.0


def test_fold_in_needs_the_user_based_model(planted, planted_autorec):
    train, _ = planted
    mine = {int(i): int(r) for _, i, r in train[train[:, 0] == 5]}
    if planted_autorec.orientation == "item":
        with pytest.raises(NotImplementedError, match="orientation='user'"):
            planted_autorec.fold_in(mine)
        return
    np.testing.assert_allclose(planted_autorec.fold_in(mine),
                               planted_autorec.predict_matrix([5], history=train)[0], rtol=1e-5)
    items, preds = planted_autorec.recommend_new_user(mine, k=3)
    assert not np.isin(items, list(mine)).any() and len(preds) == 3


def test_items_without_ratings_get_the_users_mean(planted):
    train, _ = planted
    model = AutoRec(n_hidden=4, n_users=120, n_items=40, seed=0)
    history = train[train[:, 1] != 7]  # nobody rated item 7
    pred = model.predict_matrix([1, 2], history=history)
    for row, user in zip(pred, (1, 2)):
        assert row[6] == pytest.approx(history[history[:, 0] == user, 2].mean(), rel=1e-6)


def test_users_without_ratings_get_the_items_mean(planted):
    train, _ = planted
    model = AutoRec(n_hidden=4, n_users=120, n_items=40, orientation="user", seed=0)
    history = train[train[:, 0] != 3]  # user 3 has no rating
    pred = model.predict_matrix([3], history=history)[0]
    for item in (1, 2):
        assert pred[item - 1] == pytest.approx(history[history[:, 1] == item, 2].mean(), rel=1e-6)


def test_saves_loads_and_fine_tunes(planted, planted_autorec, tmp_path):
    train, _ = planted
    again = run_saving_test(planted_autorec, tmp_path, methods=[("predict_matrix", {"history": train})])
    assert again.compiled
    x, y = again.training_data(train)
    history = again.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and "rmse" in history.history


def test_saved_model_endpoints(planted_autorec, tmp_path):
    names = export_saved_model(planted_autorec, tmp_path / "sm")
    shapes = run_signatures(tmp_path / "sm")
    if planted_autorec.orientation == "item":
        assert set(names) == {"predict_ratings", "reconstruct", "encode", "serving_default"}
        assert shapes["predict_ratings"]["output_0"] == (120, 40)
        assert shapes["reconstruct"]["output_0"] == (2, 120)
    else:
        assert set(names) == {"predict_ratings", "encode", "serving_default"}
        assert shapes["predict_ratings"]["output_0"] == (2, 40)
    assert shapes["encode"]["output_0"] == (2, 16)


def test_constructor_rejects_bad_arguments():
    with pytest.raises(ValueError, match="orientation"):
        AutoRec(orientation="both")
    with pytest.raises(ValueError, match="input_dropout"):
        AutoRec(input_dropout=1.0)
    with pytest.raises(ValueError, match="l2"):
        AutoRec(l2=-0.1)
    with pytest.raises(ValueError, match="n_hidden"):
        AutoRec(n_hidden=2.5)
    with pytest.raises(ValueError, match="lr_decay"):
        AutoRec(n_hidden=2, n_users=120, n_items=40).fit_ratings(
            np.array([[1, 1, 5]]), learning_rate=0.1, lr_decay=0.0)


def test_build_on_a_new_instance_is_keras_build():
    # Issue 32: `model.build(input_shape)` on a new instance rebuilt the built sublayers and
    # raised "You cannot add new elements of state ... already built".
    model = AutoRec(n_hidden=4, n_users=6, n_items=5, seed=0)
    weights = [np.array(w) for w in model.get_weights()]
    model.build((None, 6))
    assert model.built and len(model.weights) == 4
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"AutoRec takes rating vectors of shape \(N, 6\)\. Received: input_shape=\(None, 5\)"):
        AutoRec(n_hidden=4, n_users=6, n_items=5).build((None, 5))
