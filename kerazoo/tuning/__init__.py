"""keras-tuner searches around the zoo's recipes (`kerazoo tune JOB`).

- `JobHyperModel`: a `keras_tuner.HyperModel` for any registered family, from a job
  file; the named per-family classes (`RBMHyperModel`, `AutoencoderHyperModel`, ...)
  take the problem's facts as arguments and search the space of their family's job file
  (`tuning/<entry>.toml`); `hypermodel_for(job)` picks the class of a job's family.
- `run_search(job, ...)`: the search itself (resumable, chief / worker), its leaderboard,
  and publishing the best trial; `make_tuner` builds the tuner alone.
- `JobTuner`, `make_oracle`: keras-tuner's tuner and oracles with atomic state files,
  resume after a kill, whole-model trial checkpoints and a bound on dead workers.
"""

from kerazoo.tuning.family_hypermodels import (
    AutoencoderHyperModel,
    AutoRecHyperModel,
    ClassifierHyperModel,
    ContractiveAutoencoderHyperModel,
    DBNClassifierHyperModel,
    DBNHyperModel,
    DeepClusteringHyperModel,
    DenoisingAutoencoderHyperModel,
    FamilyHyperModel,
    GANHyperModel,
    GRBMHyperModel,
    IMSATHyperModel,
    RBMCFHyperModel,
    RBMHyperModel,
    SparseAutoencoderHyperModel,
    VAEHyperModel,
    hypermodel_for,
)
from kerazoo.tuning.hypermodel import JobHyperModel
from kerazoo.tuning.search import (
    SearchResult,
    format_leaderboard,
    make_tuner,
    prepare_job,
    project_name,
    run_search,
    trial_rows,
)
from kerazoo.tuning.tuners import JobTuner, TuningStateError, atomic_save_json, make_oracle

__all__ = [
    "AutoRecHyperModel",
    "AutoencoderHyperModel",
    "ClassifierHyperModel",
    "ContractiveAutoencoderHyperModel",
    "DBNClassifierHyperModel",
    "DBNHyperModel",
    "DeepClusteringHyperModel",
    "DenoisingAutoencoderHyperModel",
    "FamilyHyperModel",
    "GANHyperModel",
    "GRBMHyperModel",
    "IMSATHyperModel",
    "JobHyperModel",
    "JobTuner",
    "TuningStateError",
    "RBMCFHyperModel",
    "RBMHyperModel",
    "SearchResult",
    "SparseAutoencoderHyperModel",
    "VAEHyperModel",
    "atomic_save_json",
    "format_leaderboard",
    "hypermodel_for",
    "make_oracle",
    "make_tuner",
    "prepare_job",
    "project_name",
    "run_search",
    "trial_rows",
]
