"""Job files (recipes and search spaces), the family registry that trains from them, and the
`Run` that carries one recipe run through fit, evaluate, card and artifacts."""

from kerazoo.recipes.family import Family, Run, register_family
from kerazoo.recipes.registry import get_family, list_families
from kerazoo.recipes.runner import TrainResult, train_job
from kerazoo.recipes.schema import Job, JobError, load_job, parse_job

__all__ = [
    "Family",
    "Job",
    "JobError",
    "get_family",
    "list_families",
    "load_job",
    "parse_job",
    "register_family",
    "Run",
    "train_job",
    "TrainResult",
]
