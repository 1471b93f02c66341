import pytest

from kerazoo.recipes import JobError, load_job, parse_job
from tiny_family import tiny_job_toml


def write(tmp_path, text, name="job.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_job_parses_with_family_defaults(tmp_path):
    job = load_job(write(tmp_path, tiny_job_toml()))
    assert job.name == "tiny_ae.fashion_mnist" and job.family == "tiny_ae" and job.seed == 7
    assert job.model == {"code_size": 4}
    assert job.train == {"epochs": 2, "batch_size": 32, "learning_rate": 0.01}  # batch default
    assert job.search["tuner"] == "random" and job.search["max_trials"] == 2
    assert job.search["objective"] == "val_loss" and job.search["direction"] == "min"
    assert job.search["space"]["learning_rate"]["sampling"] == "log"
    # the recipe round-trips through its dict form (as stored in an entry's metadata)
    again = parse_job(job.to_dict())
    assert again.to_dict() == job.to_dict()


def test_with_overrides_sets_model_and_train_keys(tmp_path):
    job = load_job(write(tmp_path, tiny_job_toml()))
    varied = job.with_overrides({"code_size": 8, "learning_rate": 0.05})
    assert varied.model["code_size"] == 8 and varied.train["learning_rate"] == 0.05
    assert job.model["code_size"] == 4  # the original is unchanged
    with pytest.raises(JobError, match="`dropout`"):
        job.with_overrides({"dropout": 0.1})


@pytest.mark.parametrize("edit, message", [
    (("[train]", "[trian]"), "unknown key `trian`"),
    (("epochs = 2", "epoch = 2"), r"unknown key `train.epoch`.*Did you mean \['epochs'\]"),
    (("code_size = 4", "code_sise = 4"), "unknown key `model.code_sise`"),
    (("epochs = 2", "epochs = \"2\""), "`train.epochs` must be of type int"),
    (("min = 0.001", "min = 0.5"), r"the recipe's value 0.01 lies outside the range \[0.5, 0.1\]|empty range"),
    (("max = 0.1", "max = 0.001"), "empty range: min=0.001 must be below max=0.001"),
    (("sampling = \"log\"", "sampling = \"cubic\""), "sampling must be 'linear' or 'log'"),
    (("family = \"tiny_ae\"", "family = \"tiny_aa\""), r"unknown family 'tiny_aa'.*Did you mean \['tiny_ae'\]"),
    (("dataset = \"fashion_mnist\"", "dataset = \"cifar10\""), "data.dataset must be one of"),
    (("name = \"tiny_ae.fashion_mnist\"", "name = \"tiny\""), "<architecture>.<dataset>"),
    (("[search.space.learning_rate]", "[search.space.learning_rat]"),
     r"`learning_rat` is neither a \[model\] nor a \[train\] key.*learning_rate"),
    (("max_trials = 2", "max_trials = 0"), "search.max_trials must be >= 1"),
])
def test_bad_job_files_name_the_key_and_the_file(tmp_path, edit, message):
    old, new = edit
    text = tiny_job_toml()
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1), "bad.toml")
    with pytest.raises(JobError, match=message) as info:
        load_job(path)
    assert str(path) in str(info.value)


def test_empty_choice_and_choice_without_the_recipe_value(tmp_path):
    extra = '[search.space.code_size]\ntype = "choice"\nvalues = []\n'
    with pytest.raises(JobError, match="values must be a non-empty list"):
        load_job(write(tmp_path, tiny_job_toml(extra=extra)))
    extra = '[search.space.code_size]\ntype = "choice"\nvalues = [8, 16]\n'
    with pytest.raises(JobError, match=r"recipe's value 4 is not among the choices \[8, 16\]"):
        load_job(write(tmp_path, tiny_job_toml(extra=extra)))
    extra = '[search.space.code_size]\ntype = "int"\nmin = 2\nmax = 8\nstep = 2\n'
    assert load_job(write(tmp_path, tiny_job_toml(extra=extra))).search["space"]["code_size"]["step"] == 2


def test_log_range_needs_a_positive_min_and_toml_errors_name_the_file(tmp_path):
    with pytest.raises(JobError, match="log sampling needs min > 0"):
        load_job(write(tmp_path, tiny_job_toml().replace("min = 0.001", "min = 0.0")))
    path = write(tmp_path, "[job\nname = 1", "broken.toml")
    with pytest.raises(JobError, match="broken.toml: not valid TOML"):
        load_job(path)
    with pytest.raises(FileNotFoundError, match="No job file"):
        load_job(tmp_path / "missing.toml")


@pytest.mark.parametrize("edit, message", [
    (("epochs = 2", "epochs = 0"), r"`train.epochs` must be >= 1. Received: 0"),
    (("learning_rate = 0.01", "learning_rate = 0.01\nbatch_size = -1"), r"`train.batch_size` must be >= 1"),
    (("name = \"tiny_ae.fashion_mnist\"", "name = \"/tmp/x/escaped.x\""), r"job.name must be .*'/tmp/x/escaped.x'"),
    (("name = \"tiny_ae.fashion_mnist\"", "name = \"x.keras\""), r"job.name must not end in '.keras'"),
])
def test_job_files_that_train_nothing_or_write_outside_runs_are_refused(tmp_path, edit, message):
    path = write(tmp_path, tiny_job_toml().replace(*edit), "bad.toml")
    with pytest.raises(JobError, match=message) as info:
        load_job(path)
    assert str(path) in str(info.value)
