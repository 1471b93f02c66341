"""Helpers for the autoencoder tests: seeded short training and the test MSE."""

import keras
import numpy as np


def train(model, x, epochs=10, learning_rate=2e-3, batch_size=32, seed=0):
    """Seeded short training with `fit(x)`; returns the History."""
    keras.utils.set_random_seed(seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)


def reconstruction_mse(model, x):
    return float(np.mean((model.reconstruct(x) - x) ** 2))
