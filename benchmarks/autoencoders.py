"""Benchmarks of the autoencoder family against its peers, side by side in one run (issue 5).

    PYTHONPATH=. python benchmarks/autoencoders.py            # the full run (long)
    PYTHONPATH=. python benchmarks/autoencoders.py --quick    # a few minutes: small data, 1-2 epochs
    PYTHONPATH=. python benchmarks/autoencoders.py --sections pca,code30 --from-zoo

Sections (each prints its numbers and PASS/FAIL against the issue's target):

- `pca`: PCA with 30 components (scikit-learn) on the Fashion-MNIST test set, the anchor.
- `code30`: the recipe of `tuning/ae.fashion_mnist.toml`, trained here (or the published
  entry with `--from-zoo`): test MSE per pixel <= 0.4x PCA-30's. Beside it, the reference of
  the issue: a plain dense ReLU autoencoder 784-1000-500-250-30, Adam, 30 epochs.
- `dae`: `tuning/dae.fashion_mnist.toml`: PSNR of test images with Gaussian noise sigma = 0.3
  (clipped) raised by >= 8 dB; inpainting of a hidden square reported beside it.
- `contractive`: `tuning/contractive_ae.fashion_mnist.toml` and the same autoencoder without
  the penalty, same recipe: mean encoder Jacobian Frobenius norm (exact, first 2,000 test
  images) below the plain one's, test MSE within 20% of it. The norm relative to the
  codes' spread, ||J||_F / sqrt(sum_j Var z_j), is printed beside it (the norm alone
  can shrink with the code's scale).
- `sparse`: `tuning/sparse_ae.fashion_mnist.toml` (rho = 0.05) and the same autoencoder
  without the penalty: mean code activation within 20% of rho, test MSE within 15%.
- `speed`: an epoch of the dense plain, sparse and denoising autoencoders (784-1000-500-250-30,
  batch 128, Adam) against the equivalent plain `keras.Sequential` autoencoder (same
  layers, same batch): <= 1.2x; the contractive model's cost beside them. Epochs are
  interleaved and repeated; the median wall time and the median process CPU time are both
  reported (the CPU time is less sensitive to other jobs on a shared machine).

Timings on a shared machine are noisy: say so when reporting them.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import keras  # noqa: E402

from kerazoo.applications import (  # noqa: E402
    denoising_report,
    fit_pca,
    inpainting_report,
    pca_reconstruct,
)
from kerazoo.datasets import load_fashion_mnist  # noqa: E402
from kerazoo.recipes import Run, get_family, load_job  # noqa: E402
from kerazoo.metrics import encoder_jacobian_norm, mse  # noqa: E402
from kerazoo.models import (  # noqa: E402
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)

TARGETS = {
    "code30_ratio": 0.4,
    "dae_gain_db": 8.0,
    "contractive_mse_ratio": 1.2,
    "sparse_activation_rel": 0.2,
    "sparse_mse_ratio": 1.15,
    "speed_ratio": 1.2,
}
HS_SHAPE = (1000, 500, 250)

RESULTS = {}


def log(*args):
    print(*args, flush=True)


def verdict(ok):
    return "PASS" if ok else "FAIL"


class Data:
    def __init__(self, quick):
        x_train, y_train = load_fashion_mnist("train")
        x_val, _ = load_fashion_mnist("validation")
        x_test, y_test = load_fashion_mnist("test")
        if quick:
            x_train, y_train, x_val = x_train[:3000], y_train[:3000], x_val[:500]
            x_test, y_test = x_test[:1000], y_test[:1000]
        self.train, self.y_train, self.val, self.test, self.y_test = x_train, y_train, x_val, x_test, y_test


def job_for(name, args):
    job = load_job(REPO / "tuning" / f"{name}.toml")
    if args.quick:
        job = job.with_overrides({"epochs": args.quick_epochs})
    if args.epochs:
        job = job.with_overrides({"epochs": args.epochs})
    return job


def train_recipe(job, data, model=None, label=None):
    """Builds (unless given) and trains a model with its family's recipe; returns it and the time."""
    family = get_family(job.family)
    keras.utils.set_random_seed(job.seed)
    model = model if model is not None else family.build(job)
    split = {"train": data.train, "validation": data.val}
    start = time.time()
    cpu = time.process_time()
    family.fit(Run(job=job, model=model, data=split), verbose=0)
    wall, cpu = time.time() - start, time.process_time() - cpu
    log(f"  trained {label or job.name}: {job.train['epochs']} epochs in {wall / 60:.1f} min "
        f"(process CPU {cpu / 60:.1f} min)")
    return model, wall


def plain_counterpart(job):
    """The same autoencoder without its penalty (Autoencoder with the shared arguments)."""
    import inspect

    names = set(inspect.signature(Autoencoder.__init__).parameters) - {"self", "kwargs"}
    kwargs = {k: v for k, v in job.model.items() if k in names}
    if job.model.get("sparsity", "kl") == "kl" and job.family == "sparse_autoencoder":
        kwargs.setdefault("code_activation", "sigmoid")  # SparseAutoencoder's default
    kwargs.setdefault("seed", job.seed)
    return Autoencoder(**kwargs)


# -- sections ---------------------------------------------------------------------------------


def section_pca(data, args):
    log("\n== PCA anchor ==")
    pca = fit_pca(data.train, 30, seed=0)
    value = mse(data.test, pca_reconstruct(pca, data.test))
    RESULTS["pca30_test_mse"] = value
    log(f"  PCA-30 test MSE per pixel: {value:.6f}  (issue: about 0.0156)")
    return pca


def section_code30(data, args, pca_mse):
    log("\n== code 30: test MSE <= 0.4x PCA-30 ==")
    if args.from_zoo:
        import kerazoo

        model = kerazoo.load("ae.fashion_mnist")
        log("  ae.fashion_mnist loaded from the zoo (not retrained)")
        train_wall = None
    else:
        model, train_wall = train_recipe(job_for("ae.fashion_mnist", args), data)
    value = mse(data.test, model.reconstruct(data.test))
    ratio = value / pca_mse
    RESULTS.update(code30_test_mse=value, code30_ratio=ratio, code30_train_seconds=train_wall)
    log(f"  ae.fashion_mnist ({model.architecture}, {model.count_params():,} parameters): test MSE "
        f"{value:.6f} = {ratio:.3f}x PCA-30  [target <= {TARGETS['code30_ratio']}x] "
        f"{verdict(ratio <= TARGETS['code30_ratio'])}")
    if args.reference:
        epochs = args.quick_epochs if args.quick else 30
        ref = Autoencoder(30, hidden_units=HS_SHAPE, seed=0)
        keras.utils.set_random_seed(0)
        ref.compile(optimizer=keras.optimizers.Adam(1e-3))
        start = time.time()
        ref.fit(data.train, epochs=epochs, batch_size=128, verbose=0)
        ref_mse = mse(data.test, ref.reconstruct(data.test))
        RESULTS.update(reference_dense_test_mse=ref_mse, reference_dense_ratio=ref_mse / pca_mse)
        log(f"  reference dense ReLU 784-1000-500-250-30, Adam 1e-3, {epochs} epochs "
            f"({(time.time() - start) / 60:.1f} min): test MSE {ref_mse:.6f} = {ref_mse / pca_mse:.3f}x PCA-30")


def section_dae(data, args):
    log("\n== denoising: PSNR gain at sigma = 0.3 >= 8 dB ==")
    if args.from_zoo:
        import kerazoo

        model = kerazoo.load("dae.fashion_mnist")
        log("  dae.fashion_mnist loaded from the zoo (not retrained)")
    else:
        model, _ = train_recipe(job_for("dae.fashion_mnist", args), data)
    den = denoising_report(model.reconstruct, data.test, sigma=0.3, seed=0)
    inp = inpainting_report(model.reconstruct, data.test, size=0.4, seed=0)
    RESULTS.update({f"dae_{k}": v for k, v in den.items()})
    RESULTS.update({f"dae_inpainting_{k}": v for k, v in inp.items()})
    log(f"  noisy PSNR {den['noisy_psnr']:.2f} dB -> denoised {den['denoised_psnr']:.2f} dB: gain "
        f"{den['psnr_gain']:.2f} dB  [target >= {TARGETS['dae_gain_db']}] "
        f"{verdict(den['psnr_gain'] >= TARGETS['dae_gain_db'])}")
    log(f"  inpainting (11x11 square hidden): {inp['masked_psnr']:.2f} dB -> {inp['inpainted_psnr']:.2f} dB "
        f"(gain {inp['psnr_gain']:.2f} dB, MSE in the hole {inp['hole_mse']:.4f})")


def _jacobian_stats(model, x):
    norm = encoder_jacobian_norm(model.encode_tensor, x)
    codes = model.encode(x)
    return norm, norm / float(np.sqrt(np.sum(codes.var(axis=0))))


def section_contractive(data, args):
    log("\n== contractive: Jacobian norm below the plain autoencoder's, test MSE within 20% ==")
    job = job_for("contractive_ae.fashion_mnist", args)
    cae, _ = train_recipe(job, data)
    plain, _ = train_recipe(job.replace(family="autoencoder"), data, model=plain_counterpart(job),
                            label="the same autoencoder without the penalty")
    x = data.test[:2000]
    (jc, jc_rel), (jp, jp_rel) = _jacobian_stats(cae, x), _jacobian_stats(plain, x)
    mc, mp = mse(data.test, cae.reconstruct(data.test)), mse(data.test, plain.reconstruct(data.test))
    RESULTS.update(contractive_jacobian=jc, plain_jacobian=jp, contractive_jacobian_rel=jc_rel,
                   plain_jacobian_rel=jp_rel, contractive_test_mse=mc, contractive_plain_test_mse=mp)
    log(f"  Jacobian norm: contractive {jc:.4f} vs plain {jp:.4f}  [target below] {verdict(jc < jp)}")
    log(f"  relative to the codes' spread: contractive {jc_rel:.4f} vs plain {jp_rel:.4f}")
    log(f"  test MSE: contractive {mc:.6f} vs plain {mp:.6f} = {mc / mp:.3f}x  "
        f"[target <= {TARGETS['contractive_mse_ratio']}x] {verdict(mc / mp <= TARGETS['contractive_mse_ratio'])}")


def section_sparse(data, args):
    log("\n== sparse (rho = 0.05): mean activation within 20% of rho, test MSE within 15% ==")
    job = job_for("sparse_ae.fashion_mnist", args)
    sparse, _ = train_recipe(job, data)
    plain, _ = train_recipe(job.replace(family="autoencoder"), data, model=plain_counterpart(job),
                            label="the same autoencoder without the penalty")
    rho = sparse.target_activation
    act = sparse.mean_activation(data.test)
    plain_act = float(np.mean(plain.encode(data.test)))
    ms, mp = mse(data.test, sparse.reconstruct(data.test)), mse(data.test, plain.reconstruct(data.test))
    rel = abs(act - rho) / rho
    RESULTS.update(sparse_mean_activation=act, plain_mean_activation=plain_act, sparse_test_mse=ms,
                   sparse_plain_test_mse=mp)
    log(f"  mean code activation: sparse {act:.4f} (rho {rho}, off by {rel:.1%}) vs plain {plain_act:.4f}  "
        f"[target within 20%] {verdict(rel <= TARGETS['sparse_activation_rel'])}")
    log(f"  test MSE: sparse {ms:.6f} vs plain {mp:.6f} = {ms / mp:.3f}x  "
        f"[target <= {TARGETS['sparse_mse_ratio']}x] {verdict(ms / mp <= TARGETS['sparse_mse_ratio'])}")


def _sequential_peer(code_activation=None):
    """The equivalent plain keras.Sequential autoencoder: the same Dense layers."""
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(u, activation="relu") for u in HS_SHAPE]
    layers += [keras.layers.Dense(30, activation=code_activation)]
    layers += [keras.layers.Dense(u, activation="relu") for u in reversed(HS_SHAPE)]
    layers += [keras.layers.Dense(784, activation="sigmoid"), keras.layers.Reshape((28, 28, 1))]
    return keras.Sequential(layers)


def section_speed(data, args):
    log("\n== speed: an epoch vs the equivalent keras.Sequential autoencoder (<= 1.2x) ==")
    x = data.train
    models = {
        "Sequential (peer)": (_sequential_peer(), True),
        "Sequential, sigmoid code (sparse's peer)": (_sequential_peer("sigmoid"), True),
        "Autoencoder": (Autoencoder(30, hidden_units=HS_SHAPE, seed=0), False),
        "SparseAutoencoder": (SparseAutoencoder(30, hidden_units=HS_SHAPE, seed=0), False),
        "DenoisingAutoencoder": (DenoisingAutoencoder(30, hidden_units=HS_SHAPE, seed=0), False),
        "ContractiveAutoencoder": (ContractiveAutoencoder(30, hidden_units=HS_SHAPE, seed=0), False),
    }
    for model, _ in models.values():
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mean_squared_error")
    warm = x[:512]
    for name, (model, xy) in models.items():
        model.fit(warm, warm if xy else None, epochs=1, batch_size=128, verbose=0)
    wall = {name: [] for name in models}
    cpu = {name: [] for name in models}
    for rep in range(args.speed_repeats):
        for name, (model, xy) in models.items():
            t, c = time.time(), time.process_time()
            model.fit(x, x if xy else None, epochs=1, batch_size=128, verbose=0)
            wall[name].append(time.time() - t)
            cpu[name].append(time.process_time() - c)
        log(f"  repeat {rep + 1}/{args.speed_repeats}: " + ", ".join(
            f"{n.split(' ')[0]} {wall[n][-1]:.1f}s" for n in models))
    med = {n: statistics.median(v) for n, v in wall.items()}
    med_cpu = {n: statistics.median(v) for n, v in cpu.items()}
    peers = {"Autoencoder": "Sequential (peer)", "SparseAutoencoder": "Sequential, sigmoid code (sparse's peer)",
             "DenoisingAutoencoder": "Sequential (peer)", "ContractiveAutoencoder": "Sequential (peer)"}
    log(f"  {len(x):,} images per epoch, batch 128, median of {args.speed_repeats}:")
    for name in models:
        line = f"    {name:<42} wall {med[name]:6.2f} s   CPU {med_cpu[name]:6.2f} s"
        if name in peers:
            r, rc = med[name] / med[peers[name]], med_cpu[name] / med_cpu[peers[name]]
            RESULTS[f"speed_ratio_{name}"] = r
            RESULTS[f"speed_cpu_ratio_{name}"] = rc
            target = "" if name == "ContractiveAutoencoder" else (
                f"  [target <= {TARGETS['speed_ratio']}x] {verdict(r <= TARGETS['speed_ratio'])}")
            line += f"   ratio wall {r:.3f}x, CPU {rc:.3f}x{target}"
        log(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3,000 training images, short training")
    parser.add_argument("--quick-epochs", type=int, default=1)
    parser.add_argument("--epochs", type=int, help="override every recipe's epochs")
    parser.add_argument("--sections", default="pca,code30,dae,contractive,sparse,speed")
    parser.add_argument("--from-zoo", action="store_true",
                        help="code30 and dae: measure the published entries instead of retraining")
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help="skip the reference dense autoencoder of the issue in code30")
    parser.add_argument("--speed-repeats", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    log(f"kerazoo autoencoder benchmarks ({'quick' if args.quick else 'full'}): {', '.join(sections)}")
    log(f"keras {keras.__version__}; note: timings on a shared machine are noisy")
    start = time.time()
    data = Data(args.quick)
    pca_mse = None
    if "pca" in sections or "code30" in sections:
        section_pca(data, args)
        pca_mse = RESULTS["pca30_test_mse"]
    if "code30" in sections:
        section_code30(data, args, pca_mse)
    if "dae" in sections:
        section_dae(data, args)
    if "contractive" in sections:
        section_contractive(data, args)
    if "sparse" in sections:
        section_sparse(data, args)
    if "speed" in sections:
        section_speed(data, args)
    log(f"\ntotal {(time.time() - start) / 60:.1f} min")
    if args.json:
        Path(args.json).write_text(json.dumps(RESULTS, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
