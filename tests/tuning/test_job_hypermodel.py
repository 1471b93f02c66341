import keras_tuner
import numpy as np
import pytest

import kerazoo.tuning
from kerazoo.recipes import JobError, load_job
from kerazoo.models import BernoulliRBM
from kerazoo.tuning import (
    AutoencoderHyperModel,
    DBNClassifierHyperModel,
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


def test_every_zoo_family_has_a_named_hypermodel_with_a_default_space():
    zoo_families = {load_job(p).family for p in JOBS.glob("*.toml")}
    assert zoo_families <= set(_HYPERMODELS), zoo_families - set(_HYPERMODELS)
    for family in zoo_families:
        cls = _HYPERMODELS[family]
        assert cls.default_space, family
        assert issubclass(cls, JobHyperModel) and cls.family_name == family
        assert getattr(kerazoo.tuning, cls.__name__) is cls  # public, re-exported in one place
        assert cls.__name__ in kerazoo.tuning.__all__


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
    assert set(hp.values) == set(RBMHyperModel.default_space)
    # Defaults are the recipe: the family's training defaults, the model's constructor's.
    assert hp.values == {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 1e-4,
                         "cd_k": 1, "persistent": True}
    assert hypermodel.build(hp).n_hidden == 16


def test_default_space_is_widened_around_the_recipe_and_skips_unset_keys():
    # batch 100 is not among the choices: added; a learning rate above the range: widened.
    job = prepare_job(load_job(JOBS / "ae.fashion_mnist.toml"))
    job = job.replace(search={**job.search, "space": {}},
                      train={**job.train, "learning_rate": 0.05, "batch_size": 100})
    hypermodel = AutoencoderHyperModel(job)
    (lr, lr_default), (bs, bs_default) = hypermodel.space["learning_rate"], hypermodel.space["batch_size"]
    assert (lr["min"], lr["max"], lr_default) == (3e-4, 0.05, 0.05)
    assert bs["values"] == [64, 100, 128, 256] and bs_default == 100
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
    assert hypermodel.space["batch_size"][0]["values"] == [32, 64, 128]


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
