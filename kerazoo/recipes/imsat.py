"""The `imsat` family: IMSAT clustering of images, trained on the pixels without labels.

A job fits on the training images only (the first 54,000 Fashion-MNIST images; `[data]
subset` keeps fewer): the perturbation radii are computed once from the training images,
then `restarts` models (seeds `seed`, `seed + 1`, ...) train for `epochs` each (Adam
`learning_rate`, batch `batch_size`, a new batch order every epoch), and the one that
agrees most with the others is kept: the highest mean normalized mutual information
between its partition of the training images and theirs (the consensus choice of cluster
ensembles, Strehl and Ghosh 2002). The choice uses no label. IMSAT's own objective is not
the criterion: the restarts' objectives differ little, and the lowest can belong to the odd
partition out, the one the others disagree with (benchmarks/results/clustering.txt).

Evaluation: accuracy (Hungarian-matched), NMI and ARI of `predict` on the 10,000 test
images, next to k-means on the raw pixels fitted on the same training images in the same
run, the test accuracy of every restart, and the published DEC and N2D accuracies.
"""

import keras
import numpy as np

from kerazoo.applications.clustering import kmeans_clusters
from kerazoo.datasets.pipeline import make_image_batches
from kerazoo.metrics.clustering import clustering_metrics, normalized_mutual_info
from kerazoo.models.clustering.imsat import IMSAT
from kerazoo.recipes.card_text import CardText
from kerazoo.recipes.clustering import PUBLISHED, DeepClusteringFamily, confusion_picture
from kerazoo.recipes.family import Family, register_family

TEXT = CardText("imsat")


@register_family
class IMSATFamily(Family):
    name = "imsat"
    model_class = IMSAT
    datasets = ("fashion_mnist", "mnist")
    train_defaults = {"epochs": 15, "batch_size": 250, "learning_rate": 2e-3, "restarts": 1}
    objective = ("loss", "min")

    def load_data(self, job):
        # The deep_clustering family's splits: the training images (or `subset`), the test set.
        return DeepClusteringFamily.load_data(self, job)

    def fit(self, run, callbacks=(), verbose="auto"):
        model, data, job = run.model, run.data, run.job
        t = job.train
        n_restarts = int(t["restarts"])
        if n_restarts < 1:
            raise ValueError(f"train.restarts must be a positive integer. Received: {t['restarts']!r}")
        x = model.check_images(data["train"])
        radii = model.perturbation_radii(x)
        config = model.get_config()
        restarts, candidates = [], []
        for r in range(n_restarts):
            seed = job.seed + r
            candidate = model if r == 0 else IMSAT(**{**config, "seed": seed, "name": config["name"]})
            if r > 0:
                keras.utils.set_random_seed(seed)
            candidate.compile(keras.optimizers.Adam(float(t["learning_rate"])))
            batches = make_image_batches(x, y=radii, batch_size=int(t["batch_size"]), seed=seed)
            history = candidate.fit(batches, epochs=int(t["epochs"]), shuffle=False,
                                    callbacks=list(callbacks), verbose=verbose)
            # One inference pass over the training images gives the objective and the partition.
            objective, probabilities = candidate.objective(x, radii, return_probabilities=True)
            test_ids = candidate.predict(data["test"], batch_size=1000, verbose=0)
            restarts.append({"seed": seed, "objective": objective["loss"],
                         **{f"test_{k}": v for k, v in clustering_metrics(data["y_test"], test_ids).items()}})
            candidates.append((probabilities.argmax(axis=1), candidate.get_weights(), history))
        for r, restart in enumerate(restarts):
            others = [normalized_mutual_info(candidates[r][0], ids) for o, (ids, _, _) in enumerate(candidates) if o != r]
            restart["agreement"] = float(np.mean(others)) if others else 1.0
        chosen = int(np.argmax([restart["agreement"] for restart in restarts]))
        model.set_weights(candidates[chosen][1])
        run.notes["restarts"], run.notes["chosen"] = restarts, chosen
        return candidates[chosen][2]

    def evaluate(self, run):
        model, data, job, notes = run.model, run.data, run.job, run.notes
        ids = model.predict(data["test"], batch_size=1000, verbose=0)
        metrics = clustering_metrics(data["y_test"], ids)
        flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
        _, raw_test = kmeans_clusters(flat(data["train"]), flat(data["test"]), model.n_clusters,
                                      n_init=3, seed=job.seed)
        anchors = {"k-means on raw pixels": clustering_metrics(data["y_test"], raw_test)}
        restarts = notes.get("restarts", [])
        for r in restarts if len(restarts) > 1 else []:
            anchors[f"restart seed {r['seed']} (agreement {r['agreement']:.4f}, objective {r['objective']:.4f})"] = {
                "accuracy": r["test_accuracy"], "nmi": r["test_nmi"], "ari": r["test_ari"]}
        anchors.update(PUBLISHED)
        notes["anchors"] = anchors
        return {k: float(v) for k, v in metrics.items()}

    def card(self, run):
        model, metrics, job, notes = run.model, run.metrics, run.job, run.notes
        restarts = notes.get("restarts", [])
        chosen = ""
        if len(restarts) > 1:
            chosen = TEXT.phrase(
                "restarts", count=len(restarts), first_seed=restarts[0]["seed"],
                last_seed=restarts[-1]["seed"], chosen_seed=restarts[notes["chosen"]]["seed"])
        sections = TEXT.sections(
            "imsat",
            summary=job.description or TEXT.phrase("summary"),
            pixels=np.prod(model.image_shape),
            layers=" -> ".join(str(u) for u in model.hidden_units),
            n_clusters=model.n_clusters,
            parameters=model.count_params(),
            information_weight=model.information_weight,
            marginal_entropy_weight=model.marginal_entropy_weight,
            eps_scale=model.eps_scale,
            n_neighbors=model.n_neighbors,
            n=job.data.get("subset") or 54000,
            train=job.train,
            seed=job.seed,
            restarts=chosen,
            accuracy=metrics["accuracy"],
            nmi=metrics["nmi"],
            ari=metrics["ari"],
        )
        return {
            **sections,
            "anchors": notes.get("anchors", {}),
            "tags": ["clustering", "imsat", "mutual-information", "virtual-adversarial-training"],
            "datasets": [job.data["dataset"]],
            "pictures": confusion_picture(),
        }

    def artifacts(self, run, directory):
        # The deep_clustering family's picture: the test confusion matrix.
        return DeepClusteringFamily.artifacts(self, run, directory)
