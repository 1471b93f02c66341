"""Clustering benchmark (issue 8): unsupervised accuracy on the Fashion-MNIST test set.

Target: clustering accuracy >= 0.70 on the 10,000 test images, every method fitted on
training images only (labels never used in fitting). Anchors: k-means on raw pixels
(measured here), published DEC 0.62 and N2D 0.672.

By default the published entry `dec.fashion_mnist` is evaluated (it was trained from
tuning/dec.fashion_mnist.toml by `kerazoo train ... --publish`); the anchors measured in
its training run (the encoder + k-means, N2D, and the model before DEC) are read from its card, and
k-means on raw pixels is measured again here. `--train` re-trains the recipe from the
job file first (about 20 minutes on 2 shared cores) and evaluates that model.

    PYTHONPATH=$PWD python benchmarks/clustering.py [--train]
"""

import argparse
import os
import time

import numpy as np

TARGET = 0.70
THIS = "DeepClustering (DEC/IDEC, this model)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="re-train the recipe first")
    parser.add_argument("--job", default="tuning/dec.fashion_mnist.toml")
    args = parser.parse_args()
    print(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "| load average:",
          ", ".join(f"{v:.2f}" for v in os.getloadavg()))

    import kerazoo
    from kerazoo import datasets
    from kerazoo.metrics import clustering_metrics
    from kerazoo.models.clustering import kmeans_clusters

    x_train, _ = datasets.load_fashion_mnist("train")
    x_test, y_test = datasets.load_fashion_mnist("test")
    rows = {}
    t0 = time.time()
    if args.train:
        from kerazoo.jobs import get_family, load_job
        from kerazoo.jobs.runner import train_job

        job = load_job(args.job)
        model = train_job(job).model
        anchors = get_family(job.family)._anchors.get(id(model), {})
        source = f"trained now from {args.job} ({time.time() - t0:.0f} s)"
        encoder = job.model.get("encoder")
    else:
        model = kerazoo.load("dec.fashion_mnist")
        meta = kerazoo.hub.entry_metadata("dec.fashion_mnist")
        anchors = meta["card"]["anchors"]
        encoder = meta["recipe"]["model"].get("encoder")
        source = "zoo entry dec.fashion_mnist (trained from tuning/dec.fashion_mnist.toml)"

    t = time.time()
    ids = model.predict(x_test, batch_size=512, verbose=0)
    rows[THIS] = clustering_metrics(y_test, ids)
    print(f"DeepClustering: predict on 10,000 test images in {time.time() - t:.1f} s")

    t = time.time()
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    _, raw = kmeans_clusters(flat(x_train), flat(x_test), 10, n_init=3, seed=0)
    rows["k-means on raw pixels (measured now)"] = clustering_metrics(y_test, raw)
    print(f"k-means on raw pixels: fitted on {len(x_train):,} training images in {time.time() - t:.1f} s")

    # The anchors measured in the training run: encoder + k-means, N2D, and the model
    # before DEC (at its initialization, and after fitting it to N2D's assignments).
    for name, m in anchors.items():
        if name != "k-means on raw pixels" and "published" not in name:
            rows[f"{name} (training run)"] = m
    for name in ("DEC (published)", "N2D (published)"):
        rows[name] = {"accuracy": anchors.get(name, {}).get("accuracy", {"DEC (published)": 0.62,
                                                                          "N2D (published)": 0.672}[name])}

    print(f"\nModel: {source}")
    print(f"Encoder: {'zoo entry ' + encoder if encoder else 'pretrained by the job itself'}")
    print("Fashion-MNIST test set (10,000 images), fitted on the 54,000 training images:\n")
    print(f"{'method':44s} {'accuracy':>9s} {'NMI':>7s} {'ARI':>7s}")
    for name, m in rows.items():
        fmt = lambda k: f"{m[k]:.4f}" if k in m else "-"  # noqa: E731
        print(f"{name:44s} {fmt('accuracy'):>9s} {fmt('nmi'):>7s} {fmt('ari'):>7s}")
    acc = rows[THIS]["accuracy"]
    raw_acc = rows["k-means on raw pixels (measured now)"]["accuracy"]
    print(f"\n{'method':44s} {'/ target 0.70':>13s} {'/ raw k-means':>13s}")
    for name, m in rows.items():
        print(f"{name:44s} {m['accuracy'] / TARGET:13.3f} {m['accuracy'] / raw_acc:13.3f}")
    print(f"\naccuracy / k-means on raw pixels: {acc / raw_acc:.3f}")
    print(f"accuracy / target {TARGET}: {acc / TARGET:.3f}")
    print(f"target accuracy >= {TARGET}: {'MET' if acc >= TARGET else 'NOT MET'} ({acc:.4f})")
    return 0 if acc >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
