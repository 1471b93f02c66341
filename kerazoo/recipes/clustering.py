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
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.family import Family, register_family
from kerazoo.viz.confusion import confusion_matrix_plot

#: Published Fashion-MNIST accuracies: DEC (Xie et al. 2016) and N2D (McConville 2020).
PUBLISHED = {"DEC (published)": {"accuracy": 0.62}, "N2D (published)": {"accuracy": 0.672}}
INITS = ("kmeans", "n2d")
TEXT = CardText("clustering")


def confusion_picture():
    """The card's picture of every clustering family (`artifacts` writes it): `{file: caption}`."""
    return TEXT.render("pictures")


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
        layers = None
        if ae is not None and getattr(ae, "architecture", None) == "conv":
            arrows = (" -> ".join(f"conv{f}/2" for f in ae.conv_filters)
                      + "".join(f" -> {u}" for u in ae.hidden_units))
            layers = TEXT.phrase(
                "conv_layers", layers=arrows, code_size=ae.code_size, activation=ae.activation,
                batch_norm=TEXT.phrase("batch_norm") if ae.batch_norm else "")
        zoo_name = job.model.get("encoder")
        if zoo_name:
            encoder = TEXT.phrase(
                "zoo_encoder", zoo_name=zoo_name,
                layers=layers or TEXT.phrase("code_only", code_size=model.code_size))
            origin = TEXT.phrase("zoo_origin", zoo_name=zoo_name)
            pretraining = TEXT.phrase("zoo_pretraining", zoo_name=zoo_name)
        else:
            encoder = (TEXT.phrase("conv_encoder", layers=layers) if layers
                       else TEXT.phrase("encoder", code_size=model.code_size))
            origin = TEXT.phrase("own_origin")
            pretraining = TEXT.phrase("own_pretraining", train=t)
        idec = model.reconstruction_weight > 0
        n = job.data.get("subset") or 54000
        umap_on = (TEXT.phrase("umap_all", n=n) if t["umap_sample"] >= n
                   else TEXT.phrase("umap_sample", train=t))
        gmm = TEXT.phrase(
            "gmm", inits=TEXT.phrase("gmm_inits", train=t) if t["gmm_inits"] > 1 else "")
        if t["init"] == "kmeans":
            init = TEXT.phrase("init_kmeans")
        else:
            fitted = TEXT.phrase("init_n2d_fitted", train=t) if t["n2d_epochs"] > 0 else ""
            init = TEXT.phrase("init_n2d", gmm=gmm, umap_on=umap_on, fitted=fitted)
        sections = TEXT.sections(
            "deep_clustering",
            summary=job.description or TEXT.phrase("summary"),
            kind="IDEC" if idec else "DEC",
            encoder=encoder,
            alpha=model.alpha,
            n_clusters=model.n_clusters,
            decoder=(TEXT.phrase("decoder", reconstruction_weight=model.reconstruction_weight)
                     if idec else ""),
            parameters=model.count_params(),
            origin=origin,
            n=n,
            pretraining=pretraining,
            init=init,
            train=t,
            epochs_run=notes.get("epochs_run", "?"),
            seed=job.seed,
            umap_on=umap_on,
            gmm=gmm,
            accuracy=metrics["accuracy"],
            nmi=metrics["nmi"],
            ari=metrics["ari"],
        )
        return {
            **sections,
            "anchors": notes.get("anchors", {}),
            "tags": ["clustering", "deep-embedded-clustering", "dec", "autoencoder"],
            "datasets": [job.data["dataset"]],
            "pictures": confusion_picture(),
        }

    def artifacts(self, run, directory):
        model, data, job = run.model, run.data, run.job
        names = FASHION_MNIST_CLASS_NAMES if job.data["dataset"] == "fashion_mnist" else None
        ids = model.predict(data["test"], batch_size=512, verbose=0)
        return [confusion_matrix_plot(data["y_test"], ids, directory / "confusion_matrix.png",
                                      class_names=names, title=job.name)]
