"""`kerazoo train` refuses to run with nothing to train, and reports failures in one line
(issue 31: F5, F7, F10)."""

import numpy as np
import pytest

from kerazoo import cli
from tiny_family import tiny_job_toml

NAME = "tiny_ae.fashion_mnist"


def write_job(tmp_path, text=None, name=f"{NAME}.toml"):
    job = tmp_path / name
    job.write_text(text if text is not None else tiny_job_toml(epochs=1))
    return job


def run_train(tmp_path, capsys, *argv, job=None):
    runs = tmp_path / "runs"
    code = cli.main(["train", str(job or write_job(tmp_path)), "--checkpoint-dir", str(runs), *argv])
    out, err = capsys.readouterr()
    return code, out, err, runs


def assert_one_line_error(code, err, *needles):
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("kerazoo train: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("flag, value", [("--subset", "0"), ("--subset", "-5"),
                                         ("--epochs", "0"), ("--epochs", "-3")])
def test_train_refuses_a_flag_that_leaves_nothing_to_train(tmp_path, capsys, flag, value):
    code, out, err, runs = run_train(tmp_path, capsys, flag, value)
    assert_one_line_error(code, err, f"{flag} must be >= 1", f"Received: {value}")
    assert "trained" not in out and not runs.exists()  # nothing trained


@pytest.mark.parametrize("edit, key", [
    (("epochs = 1", "epochs = 0"), "train.epochs"),
    (("epochs = 1", "epochs = -3"), "train.epochs"),
    (("learning_rate = 0.01", "learning_rate = 0.01\nbatch_size = 0"), "train.batch_size"),
])
def test_train_refuses_a_job_file_with_nothing_to_train(tmp_path, capsys, edit, key):
    job = write_job(tmp_path, tiny_job_toml(epochs=1).replace(*edit))
    code, out, err, runs = run_train(tmp_path, capsys, job=job)
    assert_one_line_error(code, err, "JobError", key, "must be >= 1", str(job))
    assert not runs.exists()


@pytest.mark.parametrize("name", ["/tmp/x/escaped.x", "../escaped.x", "Tiny.Fashion", "a.b.c"])
def test_job_names_follow_the_zoo_name_rule(tmp_path, capsys, name):
    job = write_job(tmp_path, tiny_job_toml(name=name, epochs=1), name="job.toml")
    code, out, err, runs = run_train(tmp_path, capsys, job=job)
    assert_one_line_error(code, err, "JobError", "job.name", repr(name))
    assert not runs.exists() and not list(tmp_path.parent.glob("escaped*"))


def test_a_diverged_training_is_a_message_not_a_traceback(tmp_path, capsys):
    text = tiny_job_toml(epochs=2).split("[search.space.learning_rate]")[0]  # no search space
    # A finite rate so large that the loss becomes NaN (a NaN rate is refused with the job).
    job = write_job(tmp_path, text.replace("learning_rate = 0.01", "learning_rate = 1e38"))
    code, out, err, runs = run_train(tmp_path, capsys, job=job)
    assert_one_line_error(code, err, "TrainingDivergedError", "nan")


def test_a_model_too_large_for_memory_names_the_job(tmp_path, capsys):
    # 784 x 10^9 float32 weights (3 TB): TensorFlow refuses the allocation at once.
    job = write_job(tmp_path, """
[job]
name = "rbm.fashion_mnist"
family = "rbm"

[model]
n_hidden = 1000000000

[data]
dataset = "fashion_mnist"
subset = 100

[train]
epochs = 1
""", name="huge.toml")
    code, out, err, runs = run_train(tmp_path, capsys, job=job)
    assert_one_line_error(code, err, "out of memory", str(job), "[model]")


def test_training_diverged_error_from_a_built_model_is_one_line(tmp_path, capsys, monkeypatch):
    import kerazoo.recipes
    from kerazoo.callbacks import TrainingDivergedError

    def diverge(*args, **kwargs):
        raise TrainingDivergedError("Training diverged: `loss` = nan is not finite at epoch 3.")

    monkeypatch.setattr(kerazoo.recipes, "train_job", diverge)
    code, out, err, runs = run_train(tmp_path, capsys)
    assert_one_line_error(code, err, "TrainingDivergedError: Training diverged", "epoch 3")


# -- where the trained model goes (issue 31, the newcomer's journey) ---------------------------


def test_train_out_saves_a_keras_file_and_says_where(tmp_path, capsys):
    import kerazoo

    out_file = tmp_path / "models" / "tiny.keras"
    code, out, err, runs = run_train(tmp_path, capsys, "--out", str(out_file))
    assert code == 0, err
    assert out_file.is_file() and f"saved the model to {out_file}" in out
    model = kerazoo.load(str(out_file))
    assert model.encode(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 4)
    assert "was not saved" not in out


def test_train_without_out_says_where_the_weights_are_and_how_to_save(tmp_path, capsys):
    code, out, err, runs = run_train(tmp_path, capsys)
    assert code == 0, err
    assert "was not saved" in out and "--out FILE.keras" in out and "--publish NAME" in out
    assert str(runs / f"{NAME}.weights.h5") in out


def test_train_out_must_be_a_keras_file_checked_before_training(tmp_path, capsys):
    code, out, err, runs = run_train(tmp_path, capsys, "--out", str(tmp_path / "model.h5"))
    assert_one_line_error(code, err, "--out", ".keras")
    assert "trained" not in out and not runs.exists()
