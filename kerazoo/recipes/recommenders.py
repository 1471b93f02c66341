"""The recommender families of the zoo: `rbm_cf` (RBMRecommender) and `autorec` (AutoRec).

Both train on a MovieLens-100k fold (``[data] fold``, 1 by default: the zoo's entries are
trained on ``u1.base``) and their cards report all five folds: `evaluate` re-trains the
same recipe on every fold of ``[train] evaluate_folds`` (the published model itself is
the one of its own fold) and reports each fold's RMSE and MAE, the means, the top-N
metrics, and the global-mean and user+item-bias baselines measured the same way. A zoo
entry holds weights only: no rating and no array derived from the ratings.
"""

import numpy as np

from kerazoo.datasets import load_movielens_100k
from kerazoo.models.recommenders.autorec import AutoRec
from kerazoo.models.recommenders.baselines import GlobalMean, UserItemBiases
from kerazoo.models.recommenders.rbm_recommender import RBMRecommender
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.family import Family, Run, register_family
from kerazoo.recipes.recommender_evaluation import evaluate_fold, summarize
from kerazoo.viz.recommenders import fold_metric_chart

#: Published 5-fold MovieLens-100k numbers (the Surprise library's benchmark page).
PUBLISHED_ANCHORS = {
    "SVD (Surprise)": {"rmse": 0.934},
    "SVD++ (Surprise)": {"rmse": 0.919},
}
RANKING_KEYS = ("precision@10", "recall@10", "ndcg@10")
TEXT = CardText("recommenders")


def _folds(job):
    folds = job.train.get("evaluate_folds", [1, 2, 3, 4, 5])
    if not isinstance(folds, list) or not all(isinstance(f, int) and 1 <= f <= 5 for f in folds):
        raise ValueError(
            f"train.evaluate_folds must be a list of folds in 1..5. Received: {folds!r}"
        )
    return list(dict.fromkeys(folds))


def _load(job, fold):
    train, test = load_movielens_100k(fold)
    if "subset" in job.data:
        train = train[: job.data["subset"]]
    return train, test


class _MovieLensFamily(Family):
    datasets = ("movielens_100k",)
    objective = ("val_rmse", "min")

    def build(self, job, fold=None):
        kwargs = dict(job.model)
        kwargs.setdefault("seed", job.seed)
        kwargs["history_fold"] = fold or job.data.get("fold", 1)
        return self.model_class(**kwargs)

    def load_data(self, job):
        fold = job.data.get("fold", 1)
        train, test = _load(job, fold)
        return {"train": train, "test": test, "fold": fold}

    def _validation(self, data, job):
        """(training ratings, validation ratings): a seeded hold-out of the training
        ratings when `validation_fraction` > 0, else the test fold (monitoring only: the
        recipe trains a fixed number of epochs and selects nothing on it); no validation
        at all with `monitor = false` (the benchmark times training without it)."""
        fraction = job.train.get("validation_fraction", 0.0)
        train = data["train"]
        if not job.train.get("monitor", True):
            return train, None
        if fraction > 0:
            order = np.random.default_rng(job.seed).permutation(len(train))
            n_val = max(1, int(round(fraction * len(train))))
            return train[order[n_val:]], train[order[:n_val]]
        return train, data["test"]

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        per_fold = {}
        baselines = {"global mean": {}, "user+item biases": {}}
        for fold in _folds(job):
            if fold == data["fold"]:
                fold_model, train, test = model, data["train"], data["test"]
            else:
                train, test = _load(job, fold)
                fold_model = self.build(job, fold=fold)
                quiet = job.with_overrides({"monitor": False}) if "monitor" in job.train else job
                self.fit(Run(job=quiet, model=fold_model,
                             data={"train": train, "test": test, "fold": fold}), verbose=0)
            per_fold[fold] = evaluate_fold(fold_model, train, test)
            for name, base in (("global mean", GlobalMean()), ("user+item biases", UserItemBiases())):
                baselines[name][fold] = evaluate_fold(base.fit_ratings(train), train, test)
        metrics = {}
        mean = summarize(per_fold)
        for key in ("rmse", "mae") + RANKING_KEYS:
            metrics[key] = mean[key]
        for fold, values in per_fold.items():
            metrics[f"rmse_u{fold}"] = values["rmse"]
            metrics[f"mae_u{fold}"] = values["mae"]
        metrics["folds"] = len(per_fold)
        run.notes["baselines"] = {name: summarize(r) for name, r in baselines.items()}
        run.notes["per_fold"] = per_fold
        return metrics

    def _anchors(self, run):
        """The published anchors and the baselines this run measured."""
        anchors = {
            name: {k: v for k, v in values.items() if k in ("rmse", "mae") + RANKING_KEYS}
            for name, values in run.notes.get("baselines", {}).items()
        }
        anchors = {f"{name} (this harness)": values for name, values in anchors.items()}
        return {**PUBLISHED_ANCHORS, **anchors}

    def example_data(self, job, n=64):
        train, _ = _load(job, job.data.get("fold", 1))
        model = self.build(job)
        x, y = model.training_data(train)
        if isinstance(x, dict):
            return {key: value[:n] for key, value in x.items()}, None
        return x[:n], y[:n]

    def artifacts(self, run, directory):
        per_fold = run.notes.get("per_fold")
        if not per_fold:
            return []
        path = fold_metric_chart(
            {f"u{fold}": values["rmse"] for fold, values in per_fold.items()},
            directory / "fold_rmse.png",
            anchors={name: values["rmse"] for name, values in self._anchors(run).items()
                     if "rmse" in values},
            title=f"{run.job.name}: test RMSE per MovieLens-100k fold",
        )
        return [path]

    def _evaluation_text(self, metrics):
        folds = [key[len("rmse_u"):] for key in metrics if key.startswith("rmse_u")]
        rows = [TEXT.phrase("table_header")]
        rows += [TEXT.phrase("table_row", fold=fold, rmse=metrics[f"rmse_u{fold}"],
                             mae=metrics[f"mae_u{fold}"]) for fold in folds]
        if folds:
            rows.append(TEXT.phrase("table_mean", rmse=metrics["rmse"], mae=metrics["mae"]))
        return TEXT.phrase("evaluation", table="\n".join(rows))


@register_family
class RBMCFFamily(_MovieLensFamily):
    """`rbm_cf`: `RBMRecommender` on MovieLens-100k."""

    name = "rbm_cf"
    model_class = RBMRecommender
    train_defaults = {
        "epochs": 30,
        "batch_size": 10,
        "learning_rate": 0.002,
        "lr_decay": 1.0,
        "ema_momentum": 0.0,
        "validation_fraction": 0.0,
        "monitor": True,
        "evaluate_folds": [1, 2, 3, 4, 5],
    }

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        train, validation = self._validation(data, job)
        # The conditional RBM's implicit input: which test pairs are rated (no ratings).
        rated = data["test"][:, :2] if model.conditional else None
        return model.fit_ratings(
            train, epochs=job.train["epochs"], batch_size=job.train["batch_size"],
            learning_rate=job.train["learning_rate"], lr_decay=job.train["lr_decay"],
            ema_momentum=job.train["ema_momentum"],
            validation=validation, rated=rated, callbacks=callbacks, verbose=verbose)

    def card(self, run):
        model, metrics, job = run.model, run.metrics, run.job
        t = job.train
        conditional = model.conditional
        regularizers = [
            TEXT.phrase(key, **values) for key, values, on in (
                ("shared_rating_weights", {}, model.shared_rating_weights),
                ("ordinal_weights", {}, model.ordinal_weights),
                ("hidden_dropout", {"hidden_dropout": model.hidden_dropout}, model.hidden_dropout > 0),
                ("weight_decay", {"weight_decay": model.weight_decay}, model.weight_decay > 0),
            ) if on
        ]
        sections = TEXT.sections(
            "rbm_cf",
            kind=TEXT.phrase("conditional_rbm" if conditional else "rbm"),
            n_hidden=model.n_hidden,
            conditional_details=TEXT.phrase("conditional_details") if conditional else "",
            regularizers=TEXT.phrase("regularizers", regularizers=", ".join(regularizers)),
            prediction=model.prediction.replace("_", "-"),
            cd_schedule=", ".join(f"({e}, {k})" for e, k in model.cd_k),
            name=job.name,
            conditional_training=TEXT.phrase("conditional_training") if conditional else "",
            train=t,
            lr_decay=(TEXT.phrase("lr_decay", lr_decay=t["lr_decay"])
                      if t.get("lr_decay", 1.0) < 1.0 else ""),
            ema=(TEXT.phrase("ema", ema_momentum=t["ema_momentum"])
                 if t.get("ema_momentum", 0.0) > 0 else ""),
            evaluation=self._evaluation_text(metrics),
            conditional_evaluation=TEXT.phrase("conditional_evaluation") if conditional else "",
        )
        return {
            **sections,
            "anchors": self._anchors(run),
            "tags": ["recommender", "collaborative-filtering", "rbm", "movielens"],
            "datasets": ["movielens-100k"],
            "pictures": TEXT.render("pictures"),
        }


@register_family
class AutoRecFamily(_MovieLensFamily):
    """`autorec`: `AutoRec` on MovieLens-100k."""

    name = "autorec"
    model_class = AutoRec
    train_defaults = {
        "epochs": 80,
        "batch_size": 32,
        "learning_rate": 0.001,
        "lr_decay": 0.97,
        "validation_fraction": 0.0,
        "monitor": True,
        "evaluate_folds": [1, 2, 3, 4, 5],
    }

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        train, validation = self._validation(data, job)
        return model.fit_ratings(
            train, epochs=job.train["epochs"], batch_size=job.train["batch_size"],
            learning_rate=job.train["learning_rate"], lr_decay=job.train["lr_decay"],
            validation=validation, callbacks=callbacks, verbose=verbose)

    def card(self, run):
        model, metrics, job = run.model, run.metrics, run.job
        item_based = model.orientation == "item"
        sections = TEXT.sections(
            "autorec",
            kind=TEXT.phrase("item_based" if item_based else "user_based"),
            n_hidden=model.n_hidden,
            activation=model._activation_name,
            l2=model.l2,
            input_dropout=(TEXT.phrase("input_dropout", input_dropout=model.input_dropout)
                           if model.input_dropout else ""),
            item_based=TEXT.phrase("item_based_use") if item_based else "",
            name=job.name,
            evaluation=self._evaluation_text(metrics),
        )
        return {
            **sections,
            "anchors": self._anchors(run),
            "tags": ["recommender", "collaborative-filtering", "autoencoder", "movielens"],
            "datasets": ["movielens-100k"],
            "pictures": TEXT.render("pictures"),
        }
