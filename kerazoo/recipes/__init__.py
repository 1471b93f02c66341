"""Job files (recipes and search spaces) and the family registry that trains from them."""

from kerazoo.recipes.family import Family, register_family
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
    "train_job",
    "TrainResult",
]
