"""keras-tuner's tuner and oracles, made safe to kill and to run as chief and workers.

- **Atomic state**: keras-tuner writes `oracle.json`, each `trial_*/trial.json` and
  `<tuner_id>.json` in place; a kill during a write leaves a truncated file that breaks
  the next reload. Here every one of them is written to a temporary file, flushed,
  and moved over the old one with `os.replace`.
- **Resume**: the tuner's state is saved when the search starts (keras-tuner reloads a
  project only when it finds the tuner's file, which it first writes after a trial);
  a trial that was running when the process died is sent back to be run again (also
  one whose `trial.json` was written but not yet recorded in `oracle.json`); finished
  trials are kept.
- **Dead workers**: keras-tuner's chief waits for an ongoing trial for ever. Here a
  worker sends a heartbeat (`get_trial`) every few seconds while it runs a trial; the
  chief gives a trial without a heartbeat for `trial_timeout` seconds back to the queue
  (at most `max_timeouts` times, then it is marked FAILED) and forgets that worker's id.
  A worker restarted with the same `KERASTUNER_TUNER_ID` before that gets its trial back;
  while a trial is still running somewhere, idle workers wait for it instead of leaving
  (it may come back to the queue), so a requeued trial always finds a worker.
- **Trial models**: each trial's final model is saved whole as `trial_*/model.keras`
  (atomically); `get_best_models` loads it, with the family's own layers and training
  state, whatever the family.
"""

import contextlib
import json
import os
import threading
import time
from pathlib import Path

import keras
import keras_tuner
from keras_tuner.src.distribute import utils as dist_utils
from keras_tuner.src.engine import oracle as oracle_module
from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.engine.tuner import maybe_distribute

from kerazoo.utils.distribution import check_strategy

TrialStatus = trial_module.TrialStatus
MODEL_FILE = "model.keras"


def atomic_save_json(path, obj):
    """Writes `obj` as JSON to `path` via a temporary file and `os.replace`."""
    path = str(path)
    text = json.dumps(obj)
    tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return text


class TuningStateError(ValueError):
    """A tuning project's state file (`oracle.json`, `trial_*/trial.json`, the tuner's
    `<id>.json`) cannot be read back; the message names the file."""


def check_state_files(project_dir):
    """Raises `TuningStateError` naming the first state file of a project that is not JSON.

    keras-tuner's reload parses these files one after the other and lets a bare
    `JSONDecodeError` through, naming no file; this reads them all first.
    """
    project = Path(project_dir)
    for path in sorted([*project.glob("*.json"), *project.glob("trial_*/trial.json")]):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TuningStateError(
                f"{path} is not valid JSON ({e}): the tuning project {project} is damaged. "
                "Delete that file's trial folder (or the file, for oracle.json / the tuner's "
                "file) to run it again, or start a new project with --directory."
            ) from None


class ResumableOracleMixin:
    """Atomic state files, resume after a kill, and a bound on trials without heartbeat.

    Mixed in before a keras-tuner oracle class (see `make_oracle`). `trial_timeout`
    (seconds, None: no bound) applies to trials run by workers of a chief oracle.
    """

    trial_timeout = None
    max_timeouts = 2
    poll_interval = 1.0

    def __init__(self, *args, trial_timeout=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.trial_timeout = trial_timeout
        self._heartbeats = {}  # trial_id -> time.monotonic() of the last sign of life
        self._timeouts = {}  # trial_id -> times it was taken from a silent worker

    # -- atomic writes -----------------------------------------------------------------------

    def save(self):
        atomic_save_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial):
        path = os.path.join(self._get_trial_dir(trial.trial_id), "trial.json")
        atomic_save_json(path, trial.get_state())

    def get_state(self):
        return {**super().get_state(), "timeouts": dict(self._timeouts)}

    def set_state(self, state):
        super().set_state(state)
        self._timeouts = dict(state.get("timeouts", {}))

    def reload(self):
        super().reload()  # ongoing trials go back to the retry queue
        recorded = set(self.start_order)
        for trial_id, trial in self.trials.items():
            # Written to trial.json but killed before oracle.json recorded it: run it
            # again under the same id (it was never recorded as started).
            if trial.status == TrialStatus.RUNNING and trial_id not in recorded:
                self.start_order.append(trial_id)
                self._retry_queue.append(trial_id)
            elif trial.status == TrialStatus.RUNNING and trial_id not in self._retry_queue:
                self._retry_queue.append(trial_id)

    # -- heartbeats and the trial timeout ------------------------------------------------------

    @oracle_module.synchronized
    def create_trial(self, tuner_id):
        self._reap()
        resumed = self.ongoing_trials.get(tuner_id)
        trial = super().create_trial(tuner_id)
        if trial.status == TrialStatus.RUNNING:
            self._heartbeats[trial.trial_id] = time.monotonic()
            if resumed is not None:
                print(f"Worker {tuner_id} restarted: it runs trial {trial.trial_id} again.")
        elif trial.status == TrialStatus.STOPPED and self.ongoing_trials:
            # Others still run trials that may come back to the queue: wait for them.
            self.tuner_ids.add(tuner_id)
            trial = trial_module.Trial(self.get_space(), status=TrialStatus.IDLE)
        return trial

    @oracle_module.synchronized
    def update_trial(self, trial_id, metrics, step=0):
        self._heartbeats[trial_id] = time.monotonic()
        return super().update_trial(trial_id, metrics, step=step)

    @oracle_module.synchronized
    def get_trial(self, trial_id):
        self._heartbeats[trial_id] = time.monotonic()  # the workers' heartbeat
        return super().get_trial(trial_id)

    @oracle_module.synchronized
    def end_trial(self, trial):
        trial_id = trial.trial_id
        running = {t.trial_id for t in self.ongoing_trials.values()}
        if trial_id not in running and trial_id in self.trials:
            # The end of a trial the chief had given up on (a worker taken for dead, or
            # a chief restarted under running workers): a completed result still counts
            # if nobody else has run the trial yet; anything else is a duplicate.
            if trial_id in self._retry_queue and trial.status == TrialStatus.COMPLETED:
                self._retry_queue.remove(trial_id)
            else:
                print(f"Ignoring a late end of trial {trial_id} ({trial.status}).")
                return
        self._heartbeats.pop(trial_id, None)
        return super().end_trial(trial)

    @oracle_module.synchronized
    def _reap(self):
        """Takes trials whose worker fell silent for `trial_timeout` seconds back."""
        if not self.trial_timeout or not dist_utils.has_chief_oracle():
            return
        now = time.monotonic()
        for tuner_id, trial in list(self.ongoing_trials.items()):
            last = self._heartbeats.setdefault(trial.trial_id, now)
            if now - last < self.trial_timeout:
                continue
            trial_id = trial.trial_id
            self.ongoing_trials.pop(tuner_id)
            self.tuner_ids.discard(tuner_id)
            self._heartbeats.pop(trial_id, None)
            self._timeouts[trial_id] = self._timeouts.get(trial_id, 0) + 1
            if self._timeouts[trial_id] > self.max_timeouts:
                trial.status = TrialStatus.FAILED
                trial.message = (f"No heartbeat from worker {tuner_id} for {self.trial_timeout:g} s, "
                                 f"{self._timeouts[trial_id]} times: given up.")
                self.end_order.append(trial_id)
            else:
                self._retry_queue.append(trial_id)
                trial.message = f"No heartbeat from worker {tuner_id}: requeued."
            print(f"Trial {trial_id}: no heartbeat from worker {tuner_id} for "
                  f"{self.trial_timeout:g} s; {trial.message}")
            self._save_trial(trial)
            self.save()


def make_oracle(kind, objective, max_trials, seed, trial_timeout=None, max_epochs=None):
    """A resumable keras-tuner oracle: kind is "random", "bayesian" or "hyperband"."""
    bases = {
        "random": keras_tuner.oracles.RandomSearchOracle,
        "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
        "hyperband": keras_tuner.oracles.HyperbandOracle,
    }
    if kind not in bases:
        raise ValueError(f"The tuner must be one of {sorted(bases)}. Received: {kind!r}")
    cls = type(f"Resumable{bases[kind].__name__}", (ResumableOracleMixin, bases[kind]), {})
    kwargs = {"objective": objective, "seed": seed, "trial_timeout": trial_timeout}
    if kind == "hyperband":
        kwargs.update(max_epochs=max(int(max_epochs or 10), 2))
    else:
        kwargs.update(max_trials=max_trials)
    return cls(**kwargs)


class _Heartbeat:
    """A thread that calls `oracle.get_trial(trial_id)` every `interval` seconds."""

    def __init__(self, oracle, trial_id, interval):
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(oracle, trial_id, interval), daemon=True
        )

    def _run(self, oracle, trial_id, interval):
        while not self._stop.wait(interval):
            try:
                oracle.get_trial(trial_id)
            except Exception:  # noqa: BLE001  (a missed beat is not an error)
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()


@contextlib.contextmanager
def _released_custom_gradients():
    """Forgets the `tf.custom_gradient` functions registered while the block ran.

    Tracing a `tf.custom_gradient` function in graph mode (Keras' traced train step does)
    registers its gradient under a new name in TensorFlow's global gradient registry,
    which is never cleared: the entry keeps the whole traced graph alive, a few MB per
    trial that `keras.backend.clear_session()` does not free (tensorflow#61791 is this
    symptom). A trial's traced functions are not used after the trial, so its entries go.
    On JAX there is no such registry (and TensorFlow is not imported): nothing to do.
    """
    if keras.config.backend() != "tensorflow":
        yield
        return
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    before = set(registry) if isinstance(registry, dict) else None
    try:
        yield
    finally:
        if before is not None:
            for name in set(registry) - before:
                if name.startswith("CustomGradient-"):
                    registry.pop(name, None)


class JobTuner(keras_tuner.Tuner):
    """The keras-tuner `Tuner` of kerazoo's searches (any oracle of `make_oracle`).

    Each trial builds the hypermodel's model and trains it with `hypermodel.fit` (the
    family's recipe with the trial's values) under `distribution_strategy`, then saves
    the whole trained model as `trial_<id>/model.keras`. Hyperband trials train from
    scratch for their epoch budget.

    `distribution_strategy` is a `tf.distribute.Strategy` on TensorFlow and a
    `keras.distribution.DataParallel` (or `ModelParallel`) on JAX: both are entered with
    `scope()` around building and training (`kerazoo.utils.data_parallel()` makes either).
    """

    def __init__(self, *args, heartbeat=None, distribution_strategy=None, **kwargs):
        check_strategy(distribution_strategy)
        tf_strategy = distribution_strategy if keras.config.backend() == "tensorflow" else None
        # keras-tuner reads `strategy.extended` (tf.distribute's multi-worker mode) when it is
        # constructed; a keras.distribution has none, and is only entered with `scope()`.
        super().__init__(*args, distribution_strategy=tf_strategy, **kwargs)
        self.distribution_strategy = distribution_strategy
        timeout = getattr(self.oracle, "trial_timeout", None) or getattr(
            getattr(self.oracle, "_oracle", None), "trial_timeout", None)
        self.heartbeat = heartbeat or (max(0.5, min(5.0, timeout / 5)) if timeout else 5.0)
        self._asks = 0  # trial requests since the last trial began (> 1: the oracle said wait)

    # -- running trials ----------------------------------------------------------------------

    def _build_hypermodel(self, hp):
        with maybe_distribute(self.distribution_strategy):
            return self.hypermodel.build(hp)

    def run_trial(self, trial, *args, **kwargs):
        results = []
        with _released_custom_gradients():
            for _ in range(self.executions_per_trial):
                model = self._try_build(trial.hyperparameters)
                with _Heartbeat(self.oracle, trial.trial_id, self.heartbeat), maybe_distribute(
                    self.distribution_strategy
                ):
                    results.append(
                        self.hypermodel.fit(trial.hyperparameters, model, *args, **kwargs))
            self.save_model(trial.trial_id, model)
        return results[0] if len(results) == 1 else results

    def save_model(self, trial_id, model, step=0):
        path = Path(self.get_trial_dir(trial_id)) / MODEL_FILE
        tmp = path.with_name(f".{os.getpid()}.tmp.{MODEL_FILE}")
        model.save(tmp)
        os.replace(tmp, path)

    def load_model(self, trial):
        path = Path(self.get_trial_dir(trial.trial_id)) / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"Trial {trial.trial_id} ({trial.status}) has no saved model at {path}."
            )
        with maybe_distribute(self.distribution_strategy):
            return keras.saving.load_model(path)

    def pre_create_trial(self):
        if self._asks:  # the last request got no trial: wait for other workers' trials
            time.sleep(ResumableOracleMixin.poll_interval)
        self._asks += 1

    def on_trial_begin(self, trial):
        self._asks = 0
        if self._is_worker():  # the chief's display shows the trials; say who runs which
            print(f"[{self.tuner_id}] running trial {trial.trial_id}", flush=True)
        super().on_trial_begin(trial)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        if self._is_worker():
            print(f"[{self.tuner_id}] trial {trial.trial_id} {trial.status}", flush=True)

    # -- state -------------------------------------------------------------------------------

    def reload(self):
        check_state_files(self.project_dir)  # a damaged file is named, not a bare JSONDecodeError
        super().reload()

    def on_search_begin(self):
        super().on_search_begin()
        self.save()  # so that a kill during the first trial still resumes

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        atomic_save_json(self._get_tuner_fname(), self.get_state())

    def search(self, *args, **kwargs):
        if dist_utils.is_chief_oracle():
            if "verbose" in kwargs:
                self.oracle.verbose = kwargs["verbose"]
            self.save()
            from kerazoo.tuning.distributed import serve

            serve(self.oracle)
            return
        self._asks = 0
        return super().search(*args, **kwargs)
