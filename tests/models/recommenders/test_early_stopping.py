"""Fine-tuning a recommender with Keras' EarlyStopping on `val_rmse` (issue 31, newcomer).

`MaskedRMSE` declares that lower is better, as Keras' own metrics do, so AutoRec (whose
RMSE is a compiled metric) needs no `mode`; before, EarlyStopping raised after the first
epoch had already changed the model. The RBM's custom training step keeps its RMSE outside
the compiled metrics, where EarlyStopping does not look, so its docstring says `mode="min"`.
"""

import keras
import numpy as np

from kerazoo.models import AutoRec, RBMRecommender
from kerazoo.models.recommenders import MaskedRMSE


def test_masked_rmse_declares_lower_is_better():
    assert MaskedRMSE()._direction == "down"


def test_autorec_early_stopping_on_val_rmse_needs_no_mode(planted):
    train, test = planted
    model = AutoRec(n_hidden=8, n_users=120, n_items=40, seed=0)
    stop = keras.callbacks.EarlyStopping("val_rmse", patience=1, restore_best_weights=True)
    history = model.fit_ratings(train, epochs=3, batch_size=16, validation=test,
                                callbacks=[stop], verbose=0)
    assert len(history.history["val_rmse"]) >= 2
    assert np.isclose(stop.best, min(history.history["val_rmse"]))


def test_rbm_recommender_early_stopping_with_mode_min(planted):
    train, test = planted
    model = RBMRecommender(n_hidden=8, n_users=120, n_items=40, seed=0)
    stop = keras.callbacks.EarlyStopping("val_rmse", mode="min", patience=1)
    history = model.fit_ratings(train, epochs=2, batch_size=16, validation=test,
                                callbacks=[stop], verbose=0)
    assert np.isclose(stop.best, min(history.history["val_rmse"]))
