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
from kerazoo.recipes.family import Family, Run, register_family
from kerazoo.recipes.recommender_evaluation import evaluate_fold, summarize
from kerazoo.viz.recommenders import fold_metric_chart

#: Published 5-fold MovieLens-100k numbers (the Surprise library's benchmark page).
PUBLISHED_ANCHORS = {
    "SVD (Surprise)": {"rmse": 0.934},
    "SVD++ (Surprise)": {"rmse": 0.919},
}
RANKING_KEYS = ("precision@10", "recall@10", "ndcg@10")


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
        folds = [k for k in metrics if k.startswith("rmse_u")]
        rows = ["| fold | RMSE | MAE |", "|---|---|---|"]
        for key in folds:
            fold = key[len("rmse_u"):]
            rows.append(f"| u{fold} | {metrics[key]:.4f} | {metrics[f'mae_u{fold}']:.4f} |")
        if folds:
            rows.append(f"| mean | {metrics['rmse']:.4f} | {metrics['mae']:.4f} |")
        return (
            "Test metrics on the MovieLens-100k folds (`uN.base` / `uN.test`): the same "
            "recipe trained on each fold's base set (the published weights are fold 1's). "
            "`rmse`, `mae` and the top-N metrics in the table below are means over the "
            "folds. Top-N: for every user, every item they did not rate in the training "
            "fold is ranked; relevant = test rating >= 4; averaged over the users with a "
            "relevant test item. The baselines marked *this harness* were measured on the "
            "same folds by the same code; SVD and SVD++ are the Surprise library's published "
            "5-fold numbers (random folds, not u1..u5).\n\n" + "\n".join(rows)
        )


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
        kind = "conditional RBM" if model.conditional else "RBM"
        return {
            "summary": (
                f"A {kind} for collaborative filtering (Salakhutdinov, Mnih and Hinton, 2007) "
                f"with {model.n_hidden} hidden units, trained by CD with a growing number of "
                "Gibbs steps on MovieLens-100k `u1.base`. It predicts a user's rating of every "
                "movie from the user's other ratings."
            ),
            "model_details": (
                "Softmax visible units over the 5 rating values, one per rated movie; "
                "binary hidden units; one RBM per user with weights shared by all users; "
                "movies a user did not rate are left out of both CD phases. "
                + ("The conditional variant also takes which movies the user rated "
                   "(r, with weights D), including the movies whose ratings are predicted. "
                   if model.conditional else "")
                + ("kerazoo's regularizers for small data: "
                   + ", ".join(name for name, on in (
                       ("weights shared by all movies per rating value (the user's rating "
                        "histogram)", model.shared_rating_weights),
                       ("per-movie weights linear in the rating value (ordinal)",
                        model.ordinal_weights),
                       (f"hidden dropout {model.hidden_dropout:g}", model.hidden_dropout > 0),
                       (f"weight decay {model.weight_decay:g}", model.weight_decay > 0)) if on)
                   + "; it is still an RBM trained by CD (see the class docstring). ")
                + f"Prediction: the expected rating under the {model.prediction.replace('_', '-')} "
                "rule. CD schedule (start epoch, Gibbs steps): "
                + ", ".join(f"({e}, {k})" for e, k in model.cd_k) + "."
            ),
            "intended_use": (
                "Rating prediction and top-N recommendation on MovieLens-100k ids; fold-in "
                "of a new user from a few ratings (`model.fold_in({item_id: rating})`). The "
                "entry holds weights only: pass a rating history, or let kerazoo load "
                "`u1.base` from your own MovieLens-100k copy (`kerazoo recommend "
                f"{job.name} --user 1 -k 10`)."
            ),
            "training": (
                "MovieLens-100k `u1.base` (80,000 ratings of 943 users and 1,682 movies). "
                "The data are not redistributed (GroupLens license): kerazoo loads them from "
                "your copy or downloads them from GroupLens with a checksum. "
                + ("Training also used which movies of `u1.test` each user rated (not the "
                   "ratings), the paper's implicit information. " if model.conditional else "")
                + f"{job.train['epochs']} epochs of {job.train['batch_size']} users per batch, "
                f"Adam with learning rate {job.train['learning_rate']:g}"
                + (f", multiplied by {job.train['lr_decay']:g} after every epoch"
                   if job.train.get("lr_decay", 1.0) < 1.0 else "")
                + (f"; the published weights are the exponential moving average of the "
                   f"iterates (momentum {job.train['ema_momentum']:g}, Keras' `use_ema`), "
                   "which smooths the noise of the CD updates"
                   if job.train.get("ema_momentum", 0.0) > 0 else "")
                + "."
            ),
            "evaluation": self._evaluation_text(metrics) + (
                "\n\nThe conditional RBM's RMSE and MAE use which test movies each user "
                "rated (not the ratings), as in the paper; its top-N ranking uses the training "
                "ratings only." if model.conditional else ""),
            "anchors": self._anchors(run),
            "limitations": (
                "Rating prediction is limited to the 943 users and 1,682 movies of "
                "MovieLens-100k (new users through fold-in). The conditional model's RMSE "
                "uses which test movies each user rated; without that information (e.g. "
                "when ranking unseen movies) its predictions are those of a model that only "
                "knows the training ratings. Ranking by expected rating favours rarely rated "
                "movies with high predicted ratings; the top-N numbers are modest."
            ),
            "tags": ["recommender", "collaborative-filtering", "rbm", "movielens"],
            "datasets": ["movielens-100k"],
            "pictures": {"fold_rmse.png": "Test RMSE per fold, with the anchors."},
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
        kind = "I-AutoRec (item-based)" if model.orientation == "item" else "U-AutoRec (user-based)"
        return {
            "summary": (
                f"{kind} (Sedhain, Menon, Sanner and Xie, 2015) with {model.n_hidden} "
                f"{model._activation_name} hidden units, trained on MovieLens-100k `u1.base`. "
                "It reconstructs each movie's partial vector of user ratings; the "
                "reconstruction is the predicted rating."
            ),
            "model_details": (
                "One hidden layer, identity output; the loss sums squared errors over observed "
                f"ratings only, plus L2 weight decay (Keras l2 = {model.l2:g} per example). "
                + (f"{model.input_dropout:.0%} of the observed input ratings are hidden at "
                   "each step (they stay targets). " if model.input_dropout else "")
                + "Adam with an exponentially decaying learning rate."
            ),
            "intended_use": (
                "Rating prediction and top-N recommendation for the 943 MovieLens-100k users. "
                + ("An item-based AutoRec cannot take a new user; use the user-based option "
                   "or `rbm_cf.movielens_100k` for fold-in. " if model.orientation == "item" else "")
                + "The entry holds weights only: pass a rating history, or let kerazoo load "
                f"`u1.base` from your own copy (`kerazoo recommend {job.name} --user 1 -k 10`)."
            ),
            "training": (
                "MovieLens-100k `u1.base` (80,000 ratings). The data are not redistributed "
                "(GroupLens license): kerazoo loads them from your copy or downloads them "
                "from GroupLens with a checksum."
            ),
            "evaluation": self._evaluation_text(metrics),
            "anchors": self._anchors(run),
            "limitations": (
                "The item-based model's inputs are the 943 training users' ratings: "
                "predictions for those users only, and a movie with no rating in the history "
                "gets the user's mean rating. Ranking by predicted rating favours rarely rated "
                "movies; the top-N numbers are modest."
            ),
            "tags": ["recommender", "collaborative-filtering", "autoencoder", "movielens"],
            "datasets": ["movielens-100k"],
            "pictures": {"fold_rmse.png": "Test RMSE per fold, with the anchors."},
        }
