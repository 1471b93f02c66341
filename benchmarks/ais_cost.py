"""Cost of one AIS estimate of log Z for a 784 x 500 Bernoulli RBM (issue 3).

Target: 100 chains x 14,500 temperatures in under 30 s on the project's 2-core machine.
Each temperature needs two matrix products, (100 x 784) @ (784 x 500) and
(100 x 500) @ (500 x 784): 2 x 14,500 products, about 2.3 TFLOP. The floor printed
beside the AIS time is what numpy's matmul (OpenBLAS, float32) needs for exactly those
products, measured in the same process, and the ratio is AIS time / floor.

    PYTHONPATH=$PWD python benchmarks/ais_cost.py                # the target measurement
    PYTHONPATH=$PWD python benchmarks/ais_cost.py --variants     # + the designs tried
    PYTHONPATH=$PWD python benchmarks/ais_cost.py --sklearn-epochs 5   # + a sanity number

`--sklearn-epochs E` also trains scikit-learn's BernoulliRBM(n_components=500,
batch_size=100, learning_rate=0.05, random_state=0) on the 60,000 Fashion-MNIST training
images binarized at 0.5, epoch by epoch (partial_fit on the same mini-batches in the same
order reproduces fit(n_iter=e) exactly), and after each epoch prints the mean test
log-likelihood of the 10,000 binarized test images, with log Z by AIS (100 chains x 14,500
temperatures, base rate = smoothed training pixel means, seed 0): the anchor kerazoo's
BernoulliRBM must beat by >= 5 nats.

`--variants` times, on a shorter schedule and extrapolated to 14,500 temperatures, the
alternatives to the shipped design (XLA, pre-transposed kernel, Threefry random numbers):
the same loop without XLA (TensorFlow's CPU kernels, Philox), XLA with `transpose_b`
products, XLA in the transposed layout (chains as columns), and XLA with Philox.
The machine is shared: the load average before and after each measurement is printed,
and numbers taken while it is above ~1 are noisy (usually slower).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerazoo.metrics import ais_beta_schedule, bernoulli_rbm_log_partition_ais  # noqa: E402

N_VISIBLE, N_HIDDEN, N_CHAINS, N_BETAS = 784, 500, 100, 14500


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def rbm_weights(seed=0):
    """Random weights at the scale of a trained MNIST-like RBM (cost does not depend on them)."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0.0, 0.05, (N_VISIBLE, N_HIDDEN)).astype(np.float32)
    visible_bias = rng.normal(-1.0, 1.0, N_VISIBLE).astype(np.float32)
    hidden_bias = rng.normal(-1.0, 0.5, N_HIDDEN).astype(np.float32)
    return kernel, visible_bias, hidden_bias


def numpy_floor(kernel, n_steps, repeats=1):
    """(wall, cpu) seconds numpy needs for `n_steps` x (v @ W, h @ W^T) in float32, best of `repeats`."""
    rng = np.random.default_rng(1)
    v = (rng.random((N_CHAINS, N_VISIBLE)) < 0.3).astype(np.float32)
    h = (rng.random((N_CHAINS, N_HIDDEN)) < 0.3).astype(np.float32)
    kernel_t = np.ascontiguousarray(kernel.T)
    best = {}
    for name, wt in [("W.T view", kernel.T), ("contiguous W^T", kernel_t)]:
        for _ in range(50):
            v @ kernel, h @ wt
        times = []
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            for _ in range(n_steps):
                v @ kernel
                h @ wt
            times.append((time.perf_counter() - t, time.process_time() - c))
        best[name] = min(times)
    return best


# --- the designs tried (same maths as kerazoo.metrics.partition._ais_log_weights) ----------


def make_variant(jit, layout, alg):
    """layout: 'preT' (h @ W^T with W^T precomputed), 'transpose_b', or 'T' (chains as columns)."""

    def run(kernel, visible_bias, hidden_bias, base_bias, betas, seed):
        n_visible, n_hidden = kernel.shape
        kernel_t = tf.transpose(kernel)
        delta_bias = visible_bias - base_bias
        u0 = tf.random.stateless_uniform([N_CHAINS, n_visible], seed=tf.stack([seed, -1]), alg=alg)
        v = tf.cast(u0 < tf.sigmoid(base_bias), tf.float32)
        if layout == "T":
            v = tf.transpose(v)
        log_w = tf.zeros([N_CHAINS], tf.float64)
        n_steps = tf.shape(betas)[0] - 1

        def body(k, v, log_w):
            beta = betas[k]
            dbeta = beta - betas[k - 1]
            seed_k = tf.stack([seed, tf.cast(k, tf.int64)])
            u = tf.random.stateless_uniform([N_CHAINS * (n_hidden + n_visible)], seed=seed_k, alg=alg)
            if layout == "T":
                a = tf.matmul(kernel_t, v) + hidden_bias[:, None]  # (H, N)
                p_h = tf.sigmoid(beta * a)
                d = -tf.math.log1p(tf.math.expm1(-dbeta * a) * p_h)
                inc = tf.reduce_sum(d, 0) + dbeta * tf.linalg.matvec(v, delta_bias, transpose_a=True)
                h = tf.cast(tf.reshape(u[: N_CHAINS * n_hidden], [n_hidden, N_CHAINS]) < p_h, tf.float32)
                pre = beta * (tf.matmul(kernel, h) + visible_bias[:, None]) + (1 - beta) * base_bias[:, None]
                u_v = tf.reshape(u[N_CHAINS * n_hidden:], [n_visible, N_CHAINS])
            else:
                a = tf.matmul(v, kernel) + hidden_bias
                p_h = tf.sigmoid(beta * a)
                d = -tf.math.log1p(tf.math.expm1(-dbeta * a) * p_h)
                inc = tf.reduce_sum(d, 1) + dbeta * tf.linalg.matvec(v, delta_bias)
                h = tf.cast(tf.reshape(u[: N_CHAINS * n_hidden], [N_CHAINS, n_hidden]) < p_h, tf.float32)
                if layout == "preT":
                    prod = tf.matmul(h, kernel_t)
                else:
                    prod = tf.matmul(h, kernel, transpose_b=True)
                pre = beta * (prod + visible_bias) + (1 - beta) * base_bias
                u_v = tf.reshape(u[N_CHAINS * n_hidden:], [N_CHAINS, n_visible])
            v = tf.cast(u_v < tf.sigmoid(pre), tf.float32)
            return k + 1, v, log_w + tf.cast(inc, tf.float64)

        return tf.while_loop(lambda k, v, lw: k <= n_steps, body, (tf.constant(1), v, log_w))[2]

    return tf.function(run, jit_compile=jit)


def time_variants(weights, n_betas):
    kernel, visible_bias, hidden_bias = (tf.constant(a) for a in weights)
    base = tf.zeros([N_VISIBLE])
    betas = tf.constant(ais_beta_schedule(n_betas).astype(np.float32))
    seed = tf.constant(0, tf.int64)
    variants = [
        ("XLA, W^T precomputed, Threefry (shipped)", True, "preT", "threefry"),
        ("XLA, transpose_b products, Threefry", True, "transpose_b", "threefry"),
        ("XLA, transposed layout (chains as columns)", True, "T", "threefry"),
        ("no XLA (TF CPU kernels), W^T precomputed, Philox", False, "preT", "philox"),
        ("no XLA (TF CPU kernels), transpose_b, Philox", False, "transpose_b", "philox"),
        ("XLA, W^T precomputed, Philox", True, "preT", "philox"),
    ]
    for name, jit, layout, alg in variants:
        fn = make_variant(jit, layout, alg)
        fn(kernel, visible_bias, hidden_bias, base, betas[:3], seed)  # compile
        before = load()
        t, c = time.perf_counter(), time.process_time()
        fn(kernel, visible_bias, hidden_bias, base, betas, seed).numpy()
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        print(
            f"  {name:52s} {dt * N_BETAS / n_betas:6.1f} s wall, {cpu * N_BETAS / n_betas:6.1f} s CPU "
            f"for {N_BETAS} ({before}; after: {load()})",
            flush=True,
        )


def read_idx_images(name):
    import gzip
    from pathlib import Path

    for root in (os.environ.get("KERAZOO_DATA_DIR"), "/usr/share/datasets"):
        if root and (Path(root) / "fashion-mnist" / name).exists():
            with gzip.open(Path(root) / "fashion-mnist" / name, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    raise FileNotFoundError(f"fashion-mnist/{name} not found (apt-get install dataset-fashion-mnist)")


def sklearn_sanity(epochs):
    from sklearn.neural_network import BernoulliRBM

    from kerazoo.metrics import base_rate_visible_bias, bernoulli_rbm_log_likelihood

    x_train = (read_idx_images("train-images-idx3-ubyte.gz") > 127).astype(np.float64)
    x_test = (read_idx_images("t10k-images-idx3-ubyte.gz") > 127).astype(np.float64)
    base = base_rate_visible_bias(x_train)
    rbm = BernoulliRBM(n_components=500, batch_size=100, learning_rate=0.05, random_state=0)
    print("sklearn BernoulliRBM(500) on binarized Fashion-MNIST, test log-likelihood by AIS:")
    for epoch in range(1, epochs + 1):
        t = time.perf_counter()
        for start in range(0, len(x_train), 100):
            rbm.partial_fit(x_train[start : start + 100])
        fit_time = time.perf_counter() - t
        w, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
        t = time.perf_counter()
        res = bernoulli_rbm_log_partition_ais(w, b, c, base_visible_bias=base, seed=0)
        ais_time = time.perf_counter() - t
        ll_test = bernoulli_rbm_log_likelihood(x_test, w, b, c, res)
        ll_train = bernoulli_rbm_log_likelihood(x_train[:10000], w, b, c, res)
        lo, hi = res.log_z_bounds()
        print(
            f"  n_iter={epoch}: test LL {ll_test:.2f} nats (train[:10000] {ll_train:.2f}); "
            f"log Z {res.log_z:.2f} +- {res.log_z_std:.2f} (3-sigma [{lo:.2f}, {hi:.2f}]); "
            f"epoch {fit_time:.0f} s, AIS {ais_time:.1f} s ({load()})",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", action="store_true", help="also time the designs tried")
    parser.add_argument("--variant-betas", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="timed AIS runs (best is kept)")
    parser.add_argument("--n-betas", type=int, default=N_BETAS,
                        help="time a shorter schedule and extrapolate (on a busy machine)")
    parser.add_argument("--sklearn-epochs", type=int, default=0, metavar="E",
                        help="also print the test log-likelihood of sklearn's BernoulliRBM(500) after 1..E epochs")
    parser.add_argument("--skip-timing", action="store_true", help="only the --sklearn-epochs part")
    args = parser.parse_args()

    print(f"TensorFlow {tf.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    if args.skip_timing:
        sklearn_sanity(args.sklearn_epochs)
        return
    weights = rbm_weights()
    n_betas = args.n_betas
    scale = N_BETAS / n_betas
    note = "" if n_betas == N_BETAS else f" (timing {n_betas} temperatures, x{scale:.2f} to {N_BETAS})"
    print(f"AIS: {N_VISIBLE} visible x {N_HIDDEN} hidden, {N_CHAINS} chains x {N_BETAS} temperatures{note}")
    t = time.perf_counter()
    bernoulli_rbm_log_partition_ais(*weights, n_betas=n_betas, n_chains=N_CHAINS, seed=0)
    print(f"  first call (XLA compile + run): {time.perf_counter() - t:.2f} s")
    ais_times = []
    for r in range(args.repeats):
        before = load()
        t, c = time.perf_counter(), time.process_time()
        res = bernoulli_rbm_log_partition_ais(*weights, n_betas=n_betas, n_chains=N_CHAINS, seed=r + 1)
        ais_times.append(((time.perf_counter() - t) * scale, (time.process_time() - c) * scale))
        print(
            f"  run {r + 1}: {ais_times[-1][0]:.2f} s wall, {ais_times[-1][1]:.2f} s CPU "
            f"(log Z = {res.log_z:.3f} +- {res.log_z_std:.3f}; {before}; after: {load()})",
            flush=True,
        )
    ais_wall, ais_cpu = min(ais_times)

    before = load()
    floors = numpy_floor(weights[0], n_betas)
    floors = {k: (w * scale, c * scale) for k, (w, c) in floors.items()}
    floor_wall, floor_cpu = min(floors.values())
    print(f"numpy floor, 2 x {N_BETAS} float32 products of those shapes ({before}; after: {load()}):")
    for name, (sec, cpu) in floors.items():
        print(f"  v @ W and h @ {name}: {sec:.2f} s wall, {cpu:.2f} s CPU")
    gflop = 2 * 2 * N_CHAINS * N_VISIBLE * N_HIDDEN * N_BETAS / 1e9
    print(
        f"AIS {ais_wall:.2f} s vs numpy floor {floor_wall:.2f} s: ratio {ais_wall / floor_wall:.2f}x wall, "
        f"{ais_cpu / floor_cpu:.2f}x CPU time ({gflop / ais_wall:.0f} vs {gflop / floor_wall:.0f} GFLOP/s "
        f"on {gflop / 1000:.2f} TFLOP); target < 30 s wall: {'met' if ais_wall < 30 else 'NOT met'}"
        + ("" if os.getloadavg()[0] < 1.5 else " (machine busy: load above 1.5, wall times inflated)")
    )
    if args.variants:
        print(f"designs tried ({args.variant_betas} temperatures each, extrapolated):")
        time_variants(weights, args.variant_betas)
    if args.sklearn_epochs:
        sklearn_sanity(args.sklearn_epochs)


if __name__ == "__main__":
    main()
