"""Dtype policies: which ones kerazoo's models run under, and handing a model's policy down.

Every kerazoo model runs under the floating-point dtype policies of Keras: `float32` (the
default), `mixed_float16`, `mixed_bfloat16`, `float16` and `bfloat16`, given to the
constructor as `dtype=` or set globally with `keras.config.set_dtype_policy`. A model hands
its policy to every layer it creates, so under a mixed policy the layers keep float32
variables and compute in float16 or bfloat16, and `model(x)` returns the compute dtype
(Keras's convention: `keras.mixed_precision`). Losses and the sums behind them (free
energies, entropies, log-likelihoods) are computed in float32 where a model writes them by
hand.

Any other policy (float64, integer, quantized policies and `DTypePolicyMap`s) is refused
when the model is constructed, by `check_dtype_policy`, naming the model and the policy.
Every kerazoo model calls it in its constructor, so it also checks the Keras backend there
(`kerazoo.utils.backend.check_backend`): a model constructed, or loaded, on a backend it does
not run on is refused at once, naming the backend and the class.
"""

import keras

from kerazoo.utils.backend import check_backend

#: The dtype policies every kerazoo model supports.
SUPPORTED_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16", "float16", "bfloat16")


def check_dtype_policy(model):
    """Raises a `ValueError` unless `model.dtype_policy` is one of `SUPPORTED_POLICIES`.

    Call it in `__init__`, after `super().__init__(**kwargs)`, before creating layers. It
    first checks the backend: an `UnsupportedBackendError` (a `ValueError`) unless Keras runs
    on one of `kerazoo.utils.backend.SUPPORTED_BACKENDS`.
    """
    check_backend(model)
    policy = model.dtype_policy
    name = getattr(policy, "name", repr(policy))
    supported = (
        isinstance(policy, keras.DTypePolicy)
        and not isinstance(policy, keras.dtype_policies.DTypePolicyMap)
        and policy.quantization_mode is None
        and name in SUPPORTED_POLICIES
    )
    if not supported:
        raise ValueError(
            f"{type(model).__name__} supports the dtype policies "
            f"{', '.join(SUPPORTED_POLICIES)} (pass one as `dtype=` or set it with "
            f"keras.config.set_dtype_policy). Received: dtype={name!r}"
        )
    return policy


def share_dtype_policy(model, *submodels):
    """Gives nested functional or sequential models the policy of `model`.

    Their layers are created with `dtype=model.dtype_policy`; a functional or sequential
    model itself takes no `dtype` argument, so its own policy (what `compute_dtype`
    reports for it) is set here."""
    for submodel in submodels:
        if submodel is not None:
            submodel.dtype_policy = model.dtype_policy
