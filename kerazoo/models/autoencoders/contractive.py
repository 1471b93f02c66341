"""The contractive autoencoder: codes that change little when the input changes a little.

A `ContractiveAutoencoder` (Rifai et al., 2011) adds to the reconstruction loss the
squared Frobenius norm of the encoder's Jacobian J(x) = dh/dx, averaged over the batch:

    loss = L(x, g(h(x))) + weight * mean_n ||J(x_n)||_F^2.

- One sigmoid layer (`hidden_units=()`, `code_activation="sigmoid"`, dense, no batch
  norm): the closed form ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ij^2.
- Any other encoder: the unbiased estimate mean_k ||J v_k||^2, v_k ~ N(0, I) in input
  space, over `n_projections` random projections, each one Jacobian-vector product
  (forward mode); the full Jacobian would cost one backward pass per code unit.

The penalty is computed in `compute_loss` (so `loss` and `val_loss` both include it) and
reported as the metric `contractive_loss` beside `reconstruction_loss`. Its cost is one
more (forward-mode) pass through the encoder per projection.

Note: the penalty is not invariant to the code's scale; with a linear code layer the
encoder can shrink the code and the decoder grow to compensate. A sigmoid code (the
original formulation) or weight decay bound this.

Reference:
    S. Rifai, P. Vincent, X. Muller, X. Glorot and Y. Bengio, "Contractive auto-encoders:
    explicit invariance during feature extraction", ICML 2011.
"""

import numbers

import keras
from keras import ops

from kerazoo.layers.regularizers import jacobian_sq_norm_estimate, sigmoid_jacobian_sq_norm
from kerazoo.models.autoencoders.autoencoder import Autoencoder
from kerazoo.utils.validation import check_images

JACOBIANS = ("auto", "closed_form", "estimate")


@keras.saving.register_keras_serializable(package="kerazoo")
class ContractiveAutoencoder(Autoencoder):
    """An autoencoder penalizing the Frobenius norm of its encoder's Jacobian.

    Args:
        contraction_weight: the penalty's weight lambda >= 0.
        n_projections: random projections of the stochastic estimate (deep encoders).
        jacobian: "auto" (closed form when the encoder is one dense sigmoid layer, else
            the estimate), "closed_form" (an error for other encoders) or "estimate".
        All other arguments as for `Autoencoder`; `seed` also seeds the projections.
    """

    penalty_name = "contractive_loss"

    def __init__(
        self,
        code_size=30,
        contraction_weight=0.1,
        n_projections=1,
        jacobian="auto",
        seed=None,
        **kwargs,
    ):
        if isinstance(contraction_weight, bool) or not isinstance(contraction_weight, numbers.Real) \
                or contraction_weight < 0:
            raise ValueError(
                "`contraction_weight` must be a non-negative number. "
                f"Received: contraction_weight={contraction_weight!r}"
            )
        if isinstance(n_projections, bool) or not isinstance(n_projections, numbers.Integral) \
                or n_projections < 1:
            raise ValueError(
                f"`n_projections` must be a positive integer. Received: n_projections={n_projections!r}"
            )
        if jacobian not in JACOBIANS:
            raise ValueError(f"`jacobian` must be one of {list(JACOBIANS)}. Received: jacobian={jacobian!r}")
        self.contraction_weight = float(contraction_weight)
        self.n_projections = int(n_projections)
        self.jacobian = jacobian
        super().__init__(code_size=code_size, seed=seed, **kwargs)
        closed = (
            self.architecture == "dense"
            and not self.hidden_units
            and self.code_activation == "sigmoid"
            and not self.batch_norm
        )
        if jacobian == "closed_form" and not closed:
            raise ValueError(
                "jacobian='closed_form' needs an encoder of one dense sigmoid layer: "
                "architecture='dense', hidden_units=(), code_activation='sigmoid', "
                f"batch_norm=False. Received: architecture={self.architecture!r}, "
                f"hidden_units={self.hidden_units}, code_activation={self.code_activation!r}, "
                f"batch_norm={self.batch_norm}"
            )
        self.uses_closed_form = closed and jacobian != "estimate"

    def _make_state(self):
        self.projection_seed = keras.random.SeedGenerator(None if self.seed is None else self.seed + 3000)

    def jacobian_sq_norm(self, x, training=False):
        """Per-image ||J(x)||_F^2 (a float32 tensor under any dtype policy): exact for one
        sigmoid layer, else the estimate.

        `x`: float32 images (N, 28, 28, 1) in [0, 1], checked like every image method's input
        (the training loss uses the unchecked `_jacobian_sq_norm` on its batches).
        """
        x = check_images(x, "x", self.image_shape, allow_empty=False)
        return self._jacobian_sq_norm(x, training=training)

    def _jacobian_sq_norm(self, x, training=False):
        x = ops.cast(x, self.compute_dtype)
        if self.uses_closed_form:
            code_layer = self.encoder.get_layer("code")
            hidden = self.encoder(x, training=training)
            return sigmoid_jacobian_sq_norm(ops.cast(hidden, "float32"),
                                            ops.cast(code_layer.kernel, "float32"))
        _, sq = jacobian_sq_norm_estimate(
            lambda t: self.encoder(t, training=training), x, self.n_projections, self.projection_seed,
            variables=self.encoder.variables,
        )
        return ops.cast(sq, "float32")

    def _extra_loss(self, x, training):
        if self.contraction_weight == 0:
            return None
        return self.contraction_weight * ops.mean(self._jacobian_sq_norm(x, training=training))

    def get_config(self):
        return {
            **super().get_config(),
            "contraction_weight": self.contraction_weight,
            "n_projections": self.n_projections,
            "jacobian": self.jacobian,
        }
