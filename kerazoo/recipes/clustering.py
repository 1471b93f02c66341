"""The `deep_clustering` family: DEC / IDEC on a zoo encoder, or on one it pretrains.

A job of this family fits everything on the training images only (labels never used):

1. the encoder: with `[model] encoder = "NAME"`, the encoder (and decoder, for IDEC) of
   the zoo autoencoder NAME (e.g. `ae.fashion_mnist`), loaded with `kerazoo.load`;
   otherwise an `Autoencoder` built from the `[model]` keys of `Autoencoder`
   (`code_size`, `architecture`, `conv_filters`, ...) and pretrained with the MSE for
   `pretrain_epochs` (Adam, `pretrain_learning_rate`, cosine decay to 1%);
2. the anchors are measured with that encoder, before any refinement: encoder -> k-means,
   and encoder -> UMAP -> Gaussian mixture (N2D: UMAP to `umap_components` dimensions
   with `umap_neighbors` neighbours and min_dist 0, fitted on `umap_sample` training
   codes drawn at random (all of them when `umap_sample` >= N), then the most likely of
   `gmm_inits` full-covariance mixtures);
3. the centroids are initialized (`init = "kmeans"`: k-means on the codes, as in DEC;
   `init = "n2d"`: the mean code of each N2D cluster, then `n2d_epochs` epochs fitting
   the encoder and centroids to N2D's soft assignments, held fixed);
4. `DeepClustering` (encoder + Student's t centroids, the decoder too for IDEC) is
   refined for `epochs` (Adam, `learning_rate`, target distribution updated every
   `update_interval` batches, stopping when fewer than `tol` of the labels change).

Evaluation: accuracy (Hungarian-matched), NMI and ARI of `predict` on the 10,000 test
images, next to k-means on the raw pixels (fitted on the same training images in the
same run), the anchors of step 2 and the published DEC and N2D accuracies.
"""

import inspect

import keras
import numpy as np

from kerazoo.applications.clustering import kmeans_clusters, n2d_clusters
from kerazoo.datasets import FASHION_MNIST_CLASS_NAMES, image_loader
from kerazoo.hub import load
from kerazoo.metrics.clustering import clustering_metrics
from kerazoo.models.autoencoders.autoencoder import Autoencoder
from kerazoo.models.clustering.deep_clustering import DeepClustering, TargetDistributionUpdate
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz.confusion import confusion_matrix_plot

#: Published Fashion-MNIST accuracies (issue 8): DEC (Xie et al. 2016) and N2D (McConville 2020).
PUBLISHED = {"DEC (published)": {"accuracy": 0.62}, "N2D (published)": {"accuracy": 0.672}}
INITS = ("kmeans", "n2d")
#: The card's picture of every clustering family (written by `artifacts`).
CONFUSION_PICTURE = {
    "confusion_matrix.png": (
        "Test images: true class (rows) against cluster (columns, ordered by the Hungarian "
        "matching to classes); each row normalized."
    )
}


def _params(cls):
    params = inspect.signature(cls.__init__).parameters
    return {n for n, p in params.items()
            if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


_DEC_KEYS = _params(DeepClustering) - {"encoder", "decoder"}
_AE_KEYS = _params(Autoencoder) - {"seed"}


def _dec_kwargs(job):
    """The `DeepClustering` arguments of a job's `[model]` (its seed by default)."""
    kwargs = {k: v for k, v in job.model.items() if k in _DEC_KEYS}
    kwargs.setdefault("seed", job.seed)
    return kwargs


@register_family
class DeepClusteringFamily(Family):
    name = "deep_clustering"
    model_class = DeepClustering
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {
        "pretrain_epochs": 10,
        "pretrain_batch_size": 256,
        "pretrain_learning_rate": 2e-3,
        "init": "kmeans",
        "umap_neighbors": 20,
        "umap_components": 10,
        "umap_sample": 10000,
        "gmm_inits": 1,
        "n2d_epochs": 0,
        "epochs": 5,
        "batch_size": 256,
        "learning_rate": 1e-4,
        "update_interval": 140,
        "tol": 0.001,
    }
    objective = ("loss", "min")

    def model_keys(self):
        # `encoder`: a zoo autoencoder's name (its encoder is used, not pretrained here);
        # without it the Autoencoder keys describe one that the job pretrains itself.
        return _DEC_KEYS | _AE_KEYS | {"encoder"}

    def build(self, job):
        kwargs = _dec_kwargs(job)
        ae = self.autoencoder(job)
        idec = kwargs.get("reconstruction_weight", 0.0) > 0
        return DeepClustering(ae.encoder, decoder=ae.decoder if idec else None, **kwargs)

    @staticmethod
    def autoencoder(job):
        """The autoencoder whose encoder (and decoder, for IDEC) the job's model uses: the
        zoo entry `[model] encoder`, else a new `Autoencoder` from the `[model]` keys.

        A new one is the same at every call (its weights are drawn from the job's seed):
        `build` takes the model's encoder from one, `fit` pretrains another from the
        model's weights and copies the result back.
        """
        name = job.model.get("encoder")
        if not name:
            ae_kwargs = {k: v for k, v in job.model.items() if k in _AE_KEYS}
            return Autoencoder(seed=_dec_kwargs(job)["seed"], **ae_kwargs)
        if not isinstance(name, str):
            raise ValueError(f"model.encoder must be a zoo entry name. Received: encoder={name!r}")
        model = load(name)
        if not isinstance(getattr(model, "encoder", None), keras.Model):
            raise ValueError(
                f"model.encoder must name a zoo autoencoder (a model with an `encoder`). "
                f"Received: encoder={name!r}, a {type(model).__name__}"
            )
        return model

    # -- data and training ------------------------------------------------------------------

    def load_data(self, job):
        split = image_loader(job.data["dataset"])
        x_train, y_train = split("train")
        if "subset" in job.data:
            x_train, y_train = x_train[: job.data["subset"]], y_train[: job.data["subset"]]
        x_test, y_test = split("test")
        return {"train": x_train, "y_train": y_train, "test": x_test, "y_test": y_test}

    def _pretrain(self, run, verbose):
        """Pretrains the model's encoder (and decoder) as an autoencoder with the MSE."""
        model, job, t = run.model, run.job, run.job.train
        x = run.data["train"]
        ae = self.autoencoder(job)
        parts = [(ae.encoder, model.encoder)]
        if model.decoder is not None:
            parts.append((ae.decoder, model.decoder))
        for part, own in parts:
            part.set_weights(own.get_weights())
        steps = int(np.ceil(len(x) / t["pretrain_batch_size"])) * t["pretrain_epochs"]
        lr = keras.optimizers.schedules.CosineDecay(
            t["pretrain_learning_rate"], decay_steps=max(steps, 1), alpha=0.01
        )
        ae.compile(optimizer=keras.optimizers.Adam(lr), loss="mean_squared_error")
        ae.fit(x, epochs=t["pretrain_epochs"], batch_size=t["pretrain_batch_size"],
               verbose=verbose)
        for part, own in parts:
            own.set_weights(part.get_weights())

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        t = job.train
        if t["init"] not in INITS:
            raise ValueError(f"train.init must be one of {list(INITS)}. Received: {t['init']!r}")
        x, x_test = data["train"], data["test"]
        if t["pretrain_epochs"] > 0 and not job.model.get("encoder"):
            self._pretrain(run, verbose)
        # Anchors with the pretrained encoder, before DEC changes it.
        codes, codes_test = model.encode(x), model.encode(x_test)
        km_train, km_test = kmeans_clusters(codes, codes_test, model.n_clusters, seed=job.seed)
        anchors = {"encoder + k-means": clustering_metrics(data["y_test"], km_test)}
        init_labels = None
        # N2D: UMAP + GMM fitted on a fixed random sample of the training codes (UMAP's
        # cost grows with N); the test codes go through UMAP's transform.
        rng = np.random.default_rng(job.seed)
        sample = np.sort(rng.permutation(len(codes))[: t["umap_sample"]])
        n2d_train, n2d_test, n2d_proba = n2d_clusters(
            codes[sample], codes_test, model.n_clusters, n_components=t["umap_components"],
            n_neighbors=t["umap_neighbors"], n_init=t["gmm_inits"], seed=job.seed,
            return_proba=True,
        )
        anchors["N2D (encoder + UMAP + GMM)"] = clustering_metrics(data["y_test"], n2d_test)
        if t["init"] == "n2d":
            init_labels = n2d_train
        run.notes["anchors"] = anchors
        if init_labels is None:
            model.initialize(codes=codes, labels=km_train)
        else:
            model.initialize(codes=codes[sample], labels=init_labels)
        test_ids = lambda: model.predict(x_test, batch_size=512, verbose=0)  # noqa: E731
        anchors[f"DeepClustering at init ({t['init']})"] = clustering_metrics(data["y_test"], test_ids())
        model.compile(optimizer=keras.optimizers.Adam(t["learning_rate"]))
        if t["init"] == "n2d" and t["n2d_epochs"] > 0:
            # The encoder and centroids learn to reproduce N2D's soft assignments (held
            # fixed), which the centroids alone (means in the encoder space) only approximate.
            model.fit(x[sample], n2d_proba, epochs=t["n2d_epochs"], batch_size=t["batch_size"],
                      callbacks=list(callbacks), verbose=verbose)
            anchors["DeepClustering fitted to N2D"] = clustering_metrics(data["y_test"], test_ids())
        update = TargetDistributionUpdate(x, update_interval=t["update_interval"], tol=t["tol"])
        history = model.fit(x, epochs=t["epochs"], batch_size=t["batch_size"],
                            callbacks=[update, *callbacks], verbose=verbose)
        run.notes["label_changes"] = list(update.changed)
        run.notes["epochs_run"] = len(history.history.get("loss", []))
        return history

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, run):
        model, data, job = run.model, run.data, run.job
        ids = model.predict(data["test"], batch_size=512, verbose=0)
        metrics = clustering_metrics(data["y_test"], ids)
        flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
        _, raw_test = kmeans_clusters(flat(data["train"]), flat(data["test"]), model.n_clusters,
                                      n_init=3, seed=job.seed)
        anchors = {"k-means on raw pixels": clustering_metrics(data["y_test"], raw_test)}
        anchors.update(run.notes.get("anchors", {}))
        anchors.update(PUBLISHED)
        run.notes["anchors"] = anchors
        return {k: float(v) for k, v in metrics.items()}

    # -- card and pictures ----------------------------------------------------------------------

    def card(self, run):
        model, metrics, job, notes = run.model, run.metrics, run.job, run.notes
        t = job.train
        ae = self.autoencoder(job)
        layers = (
            f"{' -> '.join(f'conv{f}/2' for f in ae.conv_filters)}"
            f"{''.join(f' -> {u}' for u in ae.hidden_units)} -> code {ae.code_size}, "
            f"{'batch normalization, ' if ae.batch_norm else ''}{ae.activation}"
            if ae is not None and getattr(ae, "architecture", None) == "conv" else None
        )
        enc = f"a convolutional encoder ({layers})" if layers else f"an encoder to a {model.code_size}-d code"
        zoo_name = job.model.get("encoder")
        if zoo_name:
            enc = (f"the encoder of the zoo entry `{zoo_name}` "
                   f"({layers or f'code {model.code_size}'})")
            origin = (f"The encoder is `{zoo_name}`'s (loaded with `kerazoo.load`, not retrained "
                      "here), refined by DEC.")
            pretrain = f"Encoder: `{zoo_name}`, as published (see its card)."
        else:
            origin = ("The encoder was trained by this job (an `Autoencoder` pretrained on the "
                      "training images, then refined by DEC), not taken from another zoo entry.")
            pretrain = (f"Autoencoder pretraining: Adam {t['pretrain_learning_rate']:g} with "
                        f"cosine decay to 1%, {t['pretrain_epochs']} epochs, batch "
                        f"{t['pretrain_batch_size']}, MSE.")
        idec = model.reconstruction_weight > 0
        n = len(job.data.get("subset") and range(job.data["subset"]) or range(54000))
        umap_on = (f"all {n:,} training codes" if t["umap_sample"] >= n
                   else f"{t['umap_sample']:,} training codes drawn at random")
        gmm = ("Gaussian mixture with full covariances"
               + (f", the most likely of {t['gmm_inits']} fits" if t["gmm_inits"] > 1 else ""))
        init = ("k-means (scikit-learn, 10 restarts) on the codes" if t["init"] == "kmeans" else
                f"the mean code of each cluster of the N2D pipeline (UMAP + {gmm}, on {umap_on})"
                + (f", then {t['n2d_epochs']} epoch(s) fitting the encoder and centroids to "
                   "N2D's soft assignments (the mixture's posteriors, held fixed; KL, Adam "
                   f"{t['learning_rate']:g})" if t["n2d_epochs"] > 0 else ""))
        return {
            "summary": job.description or "Deep embedded clustering on Fashion-MNIST.",
            "model_details": (
                f"`DeepClustering` ({'IDEC' if idec else 'DEC'}): {enc}, then a Student's t soft "
                f"assignment (alpha = {model.alpha:g}) to {model.n_clusters} trainable centroids"
                + (f", and the autoencoder's decoder for the reconstruction term "
                   f"(gamma = {model.reconstruction_weight:g})" if idec else "")
                + f"; {model.count_params():,} parameters. {origin} `predict(x)` returns int32 cluster "
                "ids (they are arbitrary: cluster 3 is not class 3; see the confusion matrix "
                "for the matching), `soft_assign(x)` the assignment probabilities, `encode(x)` "
                "the codes. SavedModel signatures `predict` (= `serving_default`), "
                "`soft_assign`, `encode`."
            ),
            "intended_use": (
                "Unsupervised grouping of 28x28 grayscale clothing images (float32 (N, 28, 28, "
                "1) in [0, 1]) into 10 clusters, a baseline for deep clustering research, and "
                "a starting point to refit DEC on similar images (`model.fit(x)`)."
            ),
            "training": (
                f"Fashion-MNIST: the first {n:,} official training images, labels never used. "
                f"{pretrain} Initialization: {init}. DEC refinement: Adam {t['learning_rate']:g}, "
                f"batch {t['batch_size']}, up to {t['epochs']} epoch(s) "
                f"({notes.get('epochs_run', '?')} run), target distribution (cluster "
                f"frequencies) recomputed on the whole training set every "
                f"{t['update_interval']} batches, stop when fewer than {t['tol']:.1%} of the "
                f"labels change. Seed {job.seed}."
            ),
            "evaluation": (
                "On the 10,000 Fashion-MNIST test images (never seen in training): `accuracy` "
                "is the unsupervised clustering accuracy (the best one-to-one matching of "
                "clusters to classes, Hungarian algorithm), `nmi` the normalized mutual "
                "information, `ari` the adjusted Rand index. Anchors measured in the same run, "
                "all fitted on the same training images: k-means on the raw pixels (3 "
                "restarts); the encoder's codes (before DEC) with k-means (10 restarts); N2D "
                f"(the codes -> UMAP to {t['umap_components']} dimensions, "
                f"{t['umap_neighbors']} neighbours, min_dist 0, fitted on {umap_on} -> {gmm}; "
                "test images through UMAP's transform); and this model before DEC: at its "
                "initialization, and (with `n2d_epochs`) after it was fitted to N2D's "
                "assignments. Published accuracies on "
                "Fashion-MNIST for DEC (0.62) and N2D (0.672) are quoted, not re-measured. "
                f"This model: accuracy {metrics['accuracy']:.4f}, NMI {metrics['nmi']:.4f}, "
                f"ARI {metrics['ari']:.4f}."
            ),
            "limitations": (
                "Cluster ids are arbitrary labels, not classes. Shirts, T-shirts, pullovers "
                "and coats overlap (see the confusion matrix): clusters mix them. The number "
                "of clusters is fixed at 10; other images (other sizes, natural images) are "
                "out of distribution. Results vary with the seed by a few points of accuracy, "
                "as for every k-means-initialized method. On this encoder, DEC's self-training "
                "lowers the test accuracy slightly (compare the anchors 'fitted to N2D' and "
                "this model): it sharpens the clusters of the code space, which are less "
                "class-like than the UMAP manifold's."
            ),
            "anchors": notes.get("anchors", {}),
            "tags": ["clustering", "deep-embedded-clustering", "dec", "autoencoder"],
            "datasets": [job.data["dataset"]],
            "pictures": CONFUSION_PICTURE,
        }

    def artifacts(self, run, directory):
        model, data, job = run.model, run.data, run.job
        names = FASHION_MNIST_CLASS_NAMES if job.data["dataset"] == "fashion_mnist" else None
        ids = model.predict(data["test"], batch_size=512, verbose=0)
        return [confusion_matrix_plot(data["y_test"], ids, directory / "confusion_matrix.png",
                                      class_names=names, title=job.name)]
