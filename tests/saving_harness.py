"""The one `.keras` round-trip check that every model's tests call.

`run_saving_test(model, tmp_path, inputs=..., methods=...)` is kerazoo's counterpart of
keras-hub's `TestCase.run_model_saving_test`: it saves the model with `model.save`, loads it
back with `keras.saving.load_model` (in safe mode, as a user loading a zoo entry would) and
checks what a round trip must keep:

- the class and `get_config()` (compared as the JSON it is saved as);
- every variable, by name, order and value (trainable and non-trainable), so state such as
  persistent Gibbs chains or a learned variance is covered without naming it, except the
  state of a `SeedGenerator`, which Keras does not save;
- the optimizer's step count, where the model was compiled and had trained;
- whether the model is compiled;
- the outputs of each deterministic method named in `methods` on `inputs`, where a method
  is a name ("encode", called on `inputs`), a `(name, kwargs)` pair (("predict",
  {"verbose": 0})) or a function of the model (`lambda m: m.sample(4, seed=1)`); the
  outputs may be arrays or nested structures of arrays.

It returns the loaded model, so a test goes on with what is particular to its family
(training on after loading, a learned variance's sign, ...).
"""

import json

import keras
import numpy as np


def _outputs(model, method, inputs):
    if callable(method):
        name, result = getattr(method, "__name__", "method"), method(model)
    else:
        name, kwargs = (method, {}) if isinstance(method, str) else method
        call = model if name == "__call__" else getattr(model, name)
        result = call(**kwargs) if inputs is None else call(inputs, **kwargs)
    return name, [keras.ops.convert_to_numpy(r) for r in keras.tree.flatten(result)]


def _variables(variables):
    """`[(name, value)]` in the model's order. The variable's own name, not its path: a
    functional submodel rebuilt from its config puts its variables under other paths
    ("dense/kernel" for "encoder/dense/kernel"), and auto-named objects take a new number
    in each instance ("seed_generator_3"). A
    `SeedGenerator`'s state is not part of a `.keras` file (Keras saves none; a loaded model
    draws from the start of its seed's stream), so it is left out."""
    return [(v.name, keras.ops.convert_to_numpy(v))
            for v in variables if not v.path.endswith("seed_generator_state")]


def _as_json(config):
    return json.loads(json.dumps(config, default=str))


def run_saving_test(model, tmp_path, *, inputs=None, methods=(), atol=1e-6, rtol=1e-5,
                    file_name="model.keras"):
    """Saves `model` to `tmp_path / file_name`, loads it in safe mode and checks that the
    class, config, variables, compiled state and the outputs of `methods` are kept.
    Returns the loaded model."""
    path = tmp_path / file_name
    before = [_outputs(model, method, inputs) for method in methods]
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)

    assert type(loaded) is type(model), (type(loaded), type(model))
    # As JSON, as in the file: a nested model's config holds tuples that come back as lists.
    assert _as_json(loaded.get_config()) == _as_json(model.get_config())
    assert loaded.compiled == model.compiled
    for kind in ("trainable_variables", "non_trainable_variables"):
        expected, got = _variables(getattr(model, kind)), _variables(getattr(loaded, kind))
        assert [p for p, _ in got] == [p for p, _ in expected], kind
        for (path_name, value), (_, loaded_value) in zip(expected, got):
            np.testing.assert_array_equal(loaded_value, value, err_msg=path_name)
    if model.compiled and model.optimizer is not None and model.optimizer.built:
        assert loaded.optimizer.built
        assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)

    for (name, expected), method in zip(before, methods):
        _, got = _outputs(loaded, method, inputs)
        assert len(got) == len(expected), name
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, atol=atol, rtol=rtol, err_msg=name)
    return loaded
