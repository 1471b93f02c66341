"""Benchmark of the zoo VAE recipe: test ELBO, importance-sampled log-likelihood, and
reconstruction MSE next to PCA at the same dimension, with the time each took.

    PYTHONPATH=$PWD python benchmarks/vae.py                  # train the recipe of tuning/vae.fashion_mnist.toml
    PYTHONPATH=$PWD python benchmarks/vae.py --from-zoo       # evaluate the published entry instead
    PYTHONPATH=$PWD python benchmarks/vae.py --latent-dim 2   # the recipe with a 2-D latent
    PYTHONPATH=$PWD python benchmarks/vae.py --quick          # development: 5,000 images, 2 epochs, IS on 200 images

All log-likelihoods are in nats per test image, on Fashion-MNIST binarized at 0.5 (as the
model sees it); the IS estimate uses 1,000 samples per image. MSE is per pixel against the
binarized test images; PCA (scikit-learn) is fitted on the same binarized training images.
Times are wall-clock on this machine: on shared cores they are noisy.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = ROOT / "tuning" / "vae.fashion_mnist.toml"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-zoo", action="store_true", help="evaluate the published vae.fashion_mnist")
    parser.add_argument("--latent-dim", type=int, help="override the recipe's latent size")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--ll-images", type=int, help="test images for the IS log-likelihood")
    parser.add_argument("--ll-samples", type=int, default=None, help="IS samples per image (recipe: 1000)")
    parser.add_argument("--quick", action="store_true", help="5,000 training images, 2 epochs, IS on 200 images")
    args = parser.parse_args(argv)

    import keras

    import kerazoo
    from kerazoo.recipes import Run, get_family, load_job
    from kerazoo.recipes.vae import model_targets, pca_test_mse

    job = load_job(JOB)
    overrides = {}
    if args.quick:
        overrides.update(epochs=2, ll_images=200)
        job = job.replace(data={**job.data, "subset": 5000})
    for key, value in (("latent_dim", args.latent_dim), ("epochs", args.epochs),
                       ("ll_images", args.ll_images), ("ll_samples", args.ll_samples)):
        if value is not None:
            overrides[key] = value
    job = job.with_overrides(overrides)
    family = get_family(job.family)
    data = family.load_data(job)

    start = time.perf_counter()
    if args.from_zoo:
        if args.latent_dim is not None or args.epochs is not None or args.quick:
            parser.error("--from-zoo evaluates the published entry: no --latent-dim, --epochs or --quick")
        model = kerazoo.load(job.name)
        train_seconds = kerazoo.hub.entry_metadata(job.name)["metrics"].get("train_seconds", float("nan"))
        source = f"zoo entry {job.name}"
    else:
        keras.utils.set_random_seed(job.seed)
        model = family.build(job)
        t = time.perf_counter()
        family.fit(Run(job=job, model=model, data=data), verbose=2)
        train_seconds = time.perf_counter() - t
        source = f"trained from {JOB.relative_to(ROOT)}" + (f" with {overrides}" if overrides else "")
    metrics = family.evaluate(Run(job=job, model=model, data=data))
    t = time.perf_counter()
    pca = pca_test_mse(model_targets(model, data["train"]), model_targets(model, data["test"]),
                       model.latent_dim, seed=job.seed)
    pca_seconds = time.perf_counter() - t
    total = time.perf_counter() - start

    d = model.latent_dim
    n_ll = min(job.train["ll_images"], len(data["test"]))
    print()
    print(f"VAE benchmark: {source}")
    print(f"latent_dim={d}, hidden_units={model.hidden_units}, likelihood={model.likelihood}, "
          f"binarize={model.binarize}, epochs={job.train['epochs']}, "
          f"training images={len(data['train']):,}")
    print()
    rows = [
        ("test ELBO (nats/image, 10,000 images)", f"{metrics['test_elbo']:.2f}"),
        ("  E[-log p(x|z)]", f"{metrics['test_reconstruction_nll']:.2f}"),
        ("  KL(q(z|x) || p(z))", f"{metrics['test_kl']:.2f}"),
        (f"test log-likelihood, IS K={job.train['ll_samples']} ({n_ll:,} images)",
         f"{metrics['test_log_likelihood']:.2f} +- {metrics['test_log_likelihood_stderr']:.2f} (s.e.)"),
        ("active latent units", f"{metrics['active_units']} of {d}"),
        ("test MSE per pixel, VAE reconstruct()", f"{metrics['test_mse']:.5f}"),
        (f"test MSE per pixel, PCA-{d}", f"{pca:.5f}"),
        ("MSE ratio VAE / PCA", f"{metrics['test_mse'] / pca:.3f}"),
        ("training time (s)", f"{train_seconds:.0f}"),
        ("IS log-likelihood time (s)", f"{metrics['ll_seconds']:.0f}"),
        ("PCA fit time (s)", f"{pca_seconds:.1f}"),
        ("total wall time (s)", f"{total:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return metrics


if __name__ == "__main__":
    main()
