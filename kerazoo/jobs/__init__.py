"""Job files (recipes and search spaces) and the family registry that trains from them."""

from kerazoo.jobs.families import Family, get_family, list_families, register_family
from kerazoo.jobs.runner import TrainResult, train_job
from kerazoo.jobs.schema import Job, JobError, load_job, parse_job

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
