import keras_tuner
import numpy as np
import pytest

import kerazoo.tuning
from kerazoo.recipes import JobError, load_job
from kerazoo.models import BernoulliRBM
from kerazoo.tuning import (
    AutoencoderHyperModel,
    AutoRecHyperModel,
    DBNClassifierHyperModel,
    DBNHyperModel,
    JobHyperModel,
    RBMHyperModel,
    VAEHyperModel,
    hypermodel_for,
    make_tuner,
    project_name,
    prepare_job,
)
from kerazoo.tuning.family_hypermodels import _HYPERMODELS, GANHyperModel
from kerazoo.recipes import list_families
from tuning_helpers import REPO, tiny_tune_toml

JOBS = REPO / "tuning"


def test_every_zoo_family_has_a_named_hypermodel_with_a_job_file():
    zoo_families = {load_job(p).family for p in JOBS.glob("*.toml")}
    assert zoo_families <= set(_HYPERMODELS), zoo_families - set(_HYPERMODELS)
    for family in zoo_families:
        cls = _HYPERMODELS[family]
        assert cls.job_file() == JOBS / f"{cls.entry}.toml", family
        assert load_job(cls.job_file()).family == family and cls.shipped_space(), family
        assert issubclass(cls, JobHyperModel) and cls.family_name == family
        assert getattr(kerazoo.tuning, cls.__name__) is cls  # public, re-exported in one place
        assert cls.__name__ in kerazoo.tuning.__all__


@pytest.mark.parametrize("family", sorted(_HYPERMODELS))
def test_a_named_hypermodel_searches_its_job_files_space_and_states_none(family):
    # The job file's [search.space] is the only statement of a space: a hypermodel whose job
    # states none searches exactly the space of its family's job file, and the class
    # itself carries no space of its own.
    cls = _HYPERMODELS[family]
    job = load_job(cls.job_file())
    from_file = cls(job)
    without_space = cls(job.replace(search={**job.search, "space": {}}))
    assert without_space.space == from_file.space
    assert set(from_file.space) == set(job.search["space"])
    assert {k: spec for k, (spec, _) in from_file.space.items()} == job.search["space"]
    assert not any(isinstance(v, dict) and v and all(isinstance(s, dict) and "type" in s
                                                     for s in v.values())
                   for c in cls.__mro__ for v in vars(c).values()), "a space stated in code"


@pytest.mark.parametrize("path", sorted(JOBS.glob("*.toml")), ids=lambda p: p.stem)
def test_the_default_trial_of_every_job_is_its_recipe(path):
    job = load_job(path)
    hypermodel = hypermodel_for(job)
    assert type(hypermodel) is _HYPERMODELS[job.family]
    hp = keras_tuner.HyperParameters()
    hypermodel.declare_hyperparameters(hp)
    assert set(hp.values) == set(job.search["space"])  # one named hp per space entry
    trial = hypermodel.trial_job(hp)
    assert trial.model == job.model and trial.train == job.train  # defaults = the recipe


def test_trial_values_go_to_model_and_train_keys():
    job = load_job(JOBS / "rbm.fashion_mnist.toml")
    hypermodel = hypermodel_for(job)
    hp = keras_tuner.HyperParameters()
    hypermodel.declare_hyperparameters(hp)
    hp.values.update({"learning_rate": 0.01, "cd_k": 3, "persistent": False})
    trial = hypermodel.trial_job(hp)
    assert trial.train["learning_rate"] == 0.01 and trial.model["cd_k"] == 3
    assert trial.model["persistent"] is False and trial.model["n_hidden"] == 500
    model = hypermodel.build(hp)
    assert isinstance(model, BernoulliRBM) and model.cd_k == 3 and not model.persistent


def test_named_hypermodel_from_the_problems_facts_with_default_space():
    hypermodel = RBMHyperModel(n_hidden=16, subset=200, epochs=1, seed=3)
    job = hypermodel.job
    assert (job.family, job.model, job.data["subset"], job.train["epochs"], job.seed) == (
        "rbm", {"n_hidden": 16}, 200, 1, 3)
    assert job.search["objective"] == "val_pseudo_log_likelihood" and job.search["direction"] == "max"
    hp = keras_tuner.HyperParameters()
    hypermodel.declare_hyperparameters(hp)
    assert set(hp.values) == set(load_job(JOBS / "rbm.fashion_mnist.toml").search["space"])
    # Defaults are the recipe: the family's training defaults, the model's constructor's.
    assert hp.values == {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 1e-4,
                         "cd_k": 1, "persistent": True, "learning_rate_final_fraction": 1.0}
    assert hypermodel.build(hp).n_hidden == 16


def test_facts_fix_the_epochs_and_the_data_set_and_a_space_can_be_given():
    # `epochs=` fixes the epochs per trial: the job file's `epochs` range leaves the space.
    assert "epochs" in DBNHyperModel.shipped_space()
    dbn = DBNHyperModel(layer_sizes=[784, 16], subset=100, epochs=1)
    assert "epochs" not in dbn.space and dbn.job.train["epochs"] == 1
    assert "epochs" in DBNHyperModel(layer_sizes=[784, 16], subset=100).space
    # The data set defaults to that of the family's zoo entry.
    assert AutoRecHyperModel(n_hidden=8).job.data["dataset"] == "movielens_100k"
    space = {"learning_rate": {"type": "float", "min": 0.01, "max": 0.1, "sampling": "log"}}
    assert set(RBMHyperModel(n_hidden=16, space=space).space) == {"learning_rate"}


def test_without_the_job_files_the_named_hypermodels_say_what_to_pass(monkeypatch, tmp_path):
    import kerazoo.recipes.schema as schema

    monkeypatch.setattr(schema, "JOBS_DIR", tmp_path)
    with pytest.raises(JobError, match=r"RBMHyperModel: .*tuning/rbm.fashion_mnist.toml.*space="):
        RBMHyperModel(n_hidden=16)
    space = {"momentum": {"type": "choice", "values": [0.5, 0.9]}}
    assert set(RBMHyperModel(n_hidden=16, space=space).space) == {"momentum"}


def test_default_space_is_widened_around_the_recipe_and_skips_unset_keys():
    # batch 100 is not among the choices: added; a learning rate above the range: widened.
    job = prepare_job(load_job(JOBS / "ae.fashion_mnist.toml"))
    job = job.replace(search={**job.search, "space": {}},
                      train={**job.train, "learning_rate": 0.05, "batch_size": 100})
    hypermodel = AutoencoderHyperModel(job)
    (lr, lr_default), (bs, bs_default) = hypermodel.space["learning_rate"], hypermodel.space["batch_size"]
    assert (lr["min"], lr["max"], lr_default) == (5e-4, 0.05, 0.05)
    assert bs["values"] == [64, 100, 128, 256] and bs_default == 100
    # A key the recipe leaves to the model is left out: the DBN's rates default to None
    # (each RBM class's own).
    dbn = DBNHyperModel(layer_sizes=[784, 16], subset=100)
    assert {"learning_rate", "momentum"} <= set(DBNHyperModel.shipped_space())
    assert {"learning_rate", "momentum"}.isdisjoint(dbn.space) and "weight_decay" in dbn.space
    # DBN classifier: `dropout` is a classifier key the DBN's constructor does not show.
    dbn = DBNClassifierHyperModel(layer_sizes=[784, 16], subset=100, epochs=1)
    assert dbn.recipe_value("dropout") == 0.0 and "dropout" in dbn.space


def test_gan_default_space_chooses_among_generator_sizes():
    # A list-valued choice: the recipe's sizes are the default trial, another recipe's are added.
    job = prepare_job(load_job(JOBS / "dcgan.fashion_mnist.toml"))
    job = job.replace(search={**job.search, "space": {}})
    spec, default = GANHyperModel(job).space["generator_filters"]
    assert spec["values"] == [[128, 64], [128, 64, 16]] and default == [128, 64, 16]
    other = job.replace(model={**job.model, "generator_filters": [32, 16]})
    hypermodel = GANHyperModel(other)
    assert hypermodel.space["generator_filters"][0]["values"] == [[32, 16], [128, 64], [128, 64, 16]]
    hp = keras_tuner.HyperParameters()
    assert hypermodel.trial_job(hp).model["generator_filters"] == [32, 16]
    assert hp.values["generator_filters"] == "[32, 16]"  # keras-tuner holds the JSON text
    assert set(hypermodel.space) == set(GANHyperModel.shipped_space())


def test_named_hypermodels_refuse_another_family_and_ambiguous_arguments():
    with pytest.raises(ValueError, match="VAEHyperModel tunes family 'vae'.*'rbm'"):
        VAEHyperModel(JOBS / "rbm.fashion_mnist.toml")
    with pytest.raises(TypeError, match="either a job or the problem's facts.*n_hidden"):
        RBMHyperModel(JOBS / "rbm.fashion_mnist.toml", n_hidden=10)
    with pytest.raises(JobError, match="RBMHyperModel: unknown key `model.n_hiden`.*n_hidden"):
        RBMHyperModel(n_hiden=10)


def test_any_registered_family_gets_a_generic_hypermodel(tmp_path):
    assert "tiny_ae" in list_families() and "tiny_ae" not in _HYPERMODELS
    path = tmp_path / "tiny.toml"
    path.write_text(tiny_tune_toml())
    hypermodel = hypermodel_for(path)
    assert type(hypermodel) is JobHyperModel and set(hypermodel.space) == {"learning_rate", "batch_size"}
    no_space = tmp_path / "none.toml"
    no_space.write_text(tiny_tune_toml(space="# no space"))
    with pytest.raises(JobError, match=r"none.toml: nothing to search.*\[search.space"):
        make_tuner(load_job(no_space), directory=tmp_path / "runs")


def test_project_name_follows_what_the_search_computes(tmp_path):
    base = load_job(JOBS / "ae.fashion_mnist.toml")
    name = project_name(base)
    assert name.startswith("ae.fashion_mnist-") and len(name) == len("ae.fashion_mnist-") + 12
    more_trials = base.replace(search={**base.search, "max_trials": 50}, description="edited")
    assert project_name(more_trials) == name  # a longer search of the same space resumes
    space = dict(base.search["space"])
    space["learning_rate"] = {**space["learning_rate"], "max": 0.004}
    for changed in (
        base.replace(search={**base.search, "space": space}),
        base.with_overrides({"learning_rate": 0.001}),
        base.replace(seed=2),
        prepare_job(base, epochs=3),
        prepare_job(base, subset=10000),
    ):
        assert project_name(changed) != name
    assert project_name(base, tuner="random") != name  # the job's tuner is bayesian


def test_epochs_override_leaves_the_space():
    job = prepare_job(JOBS / "vae.fashion_mnist.toml", epochs=2, subset=500)
    assert job.train["epochs"] == 2 and job.data["subset"] == 500
    assert "epochs" not in job.search["space"] and "latent_dim" in job.search["space"]
    with pytest.raises(JobError, match="--epochs must be >= 1"):
        prepare_job(job, epochs=0)
