"""The sparse autoencoder: a code whose units are mostly off.

A `SparseAutoencoder` is an `Autoencoder` whose code units are sigmoid units (activations
in (0, 1)) with a sparsity penalty added to the reconstruction loss. With the default KL
penalty (Ng, 2011), rho_hat_j is the mean activation of code unit j over a batch and

    loss = reconstruction + weight * sum_j KL(rho || rho_hat_j),

which drives every unit's mean activation towards the target rho (e.g. 0.05): each unit
is active for few images. `sparsity="l1"` uses weight * mean_n sum_j |h_nj| instead (any
code activation). The penalty is applied by a `kerazoo.layers.SparsityRegularization`
layer after the code layer, so it is part of the encoder; it is reported as the metric
`sparsity_loss` beside `reconstruction_loss`.

Reference:
    A. Ng, "Sparse autoencoder", CS294A Lecture notes, Stanford, 2011.
"""

import keras
import numpy as np

from kerazoo.layers.regularizers import (
    KLSparsityRegularizer,
    L1SparsityRegularizer,
    SparsityRegularization,
)
from kerazoo.models.autoencoders.autoencoder import Autoencoder

SPARSITY_PENALTIES = ("kl", "l1")


@keras.saving.register_keras_serializable(package="kerazoo")
class SparseAutoencoder(Autoencoder):
    """An autoencoder with a sparsity penalty on its code (KL towards a target mean, or L1).

    Args:
        target_activation: the target mean activation rho of each code unit, in (0, 1)
            (KL penalty only). Default 0.05.
        sparsity_weight: the penalty's weight (beta), >= 0.
        sparsity: "kl" (default) or "l1".
        code_activation: the code units' activation; the KL penalty needs activations in
            (0, 1), so it must be "sigmoid" then (the default).
        All other arguments as for `Autoencoder`.
    """

    penalty_name = "sparsity_loss"

    def __init__(
        self,
        code_size=30,
        target_activation=0.05,
        sparsity_weight=0.1,
        sparsity="kl",
        code_activation="sigmoid",
        **kwargs,
    ):
        if sparsity not in SPARSITY_PENALTIES:
            raise ValueError(
                f"`sparsity` must be one of {list(SPARSITY_PENALTIES)}. Received: sparsity={sparsity!r}"
            )
        if sparsity == "kl" and code_activation != "sigmoid":
            raise ValueError(
                "The KL sparsity penalty needs code activations in (0, 1): "
                "code_activation='sigmoid'. Received: "
                f"code_activation={code_activation!r} (or use sparsity='l1')"
            )
        if sparsity == "kl":
            self.regularizer = KLSparsityRegularizer(target_activation, sparsity_weight)
        else:
            self.regularizer = L1SparsityRegularizer(sparsity_weight)
        self.target_activation = float(target_activation)
        self.sparsity_weight = float(sparsity_weight)
        self.sparsity = sparsity
        super().__init__(code_size=code_size, code_activation=code_activation, **kwargs)

    def _code_layers(self):
        return [SparsityRegularization(self.regularizer, name="sparsity", dtype=self.dtype_policy)]

    def mean_activation(self, x, batch_size=256):
        """The code units' activation averaged over the images x and the units (a float)."""
        return float(np.mean(self.encode(x, batch_size=batch_size)))

    def get_config(self):
        return {
            **super().get_config(),
            "target_activation": self.target_activation,
            "sparsity_weight": self.sparsity_weight,
            "sparsity": self.sparsity,
        }
