"""Speed of contrastive divergence: kerazoo's BernoulliRBM against scikit-learn and the GEMM floor.

One CD-1 epoch over the 60,000 Fashion-MNIST training images (binarized at 0.5, float32),
500 hidden units, batches of 100, in one process:

1. the matrix-multiply floor: per step, the 5 float32 GEMMs of a CD-1 step (v W, h W^T,
   v W, v^T h, v^T h with v (B, 784), h (B, 500), W (784, 500)) at the rate numpy's
   matmul reaches for exactly those shapes, times the number of steps;
2. scikit-learn's `BernoulliRBM(n_components=500, batch_size=100, learning_rate=0.05,
   n_iter=1)` fitting the same binarized float32 array;
3. kerazoo: `BernoulliRBM(500, cd_k=1, persistent=False, weight_decay=0)` compiled with
   SGD(0.05) (the same update rule as scikit-learn's: no momentum, no weight decay) and
   `steps_per_execution`, timed as the wall time of `fit(x, epochs=1, batch_size=100)`
   after a warm-up fit (tracing excluded); once with `compile()`'s default
   `jit_compile="auto"` (which leaves XLA off for this model) and once with XLA.

It prints the three times and the ratios (targets: kerazoo >= 2x faster than
scikit-learn, and within 1.3x of the floor), the same for larger batches (how the
per-step overheads fade as the GEMMs grow), the effect of `steps_per_execution`, and
the two ways of putting CD into Keras (see `kerazoo.models.rbm.base`): the loss whose
gradient is the CD update (kerazoo's design) and hand-written statistics passed to the
optimizer.

Phases 1 and 2 run before TensorFlow executes anything (its thread pools, once
started, compete with OpenBLAS's threads on a small machine); the floor is measured again
at the end and the smaller of the two is used. Each timing is the best of `--repeats`.
On a shared machine the numbers are noisy: rerun on a quiet one (or compare
single-threaded CPU times with `--threads 1 --clock cpu`, which busy neighbours disturb
less).

Last, where the time of a step goes (`--no-breakdown` skips it): the same 600 steps of
the 5 GEMMs in TensorFlow (a compiled `tf.while_loop`, no Keras), of the random numbers
a CD-1 step draws (uniforms for 100 x 500 hidden and 100 x 784 visible units), and of
the elementwise sigmoids, set against the kerazoo epoch: what is left beyond the GEMMs is
the part no faster matrix product can remove.

Usage: python benchmarks/rbm_speed.py [--repeats 3] [--quick] [--threads N] [--clock cpu]
"""

import argparse
import time

import numpy as np

N_HIDDEN = 500


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings per measurement (best kept)")
    parser.add_argument("--batches", default="100,200,500,1000", help="batch sizes of the sweep")
    parser.add_argument("--steps-per-execution", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="12,000 images, 1 repeat, no sweep")
    parser.add_argument(
        "--threads", type=int, default=None,
        help="limit numpy/scikit-learn (threadpoolctl) and TensorFlow to this many threads",
    )
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall",
        help="wall time (default) or process CPU time (steadier on a busy machine, with --threads 1)",
    )
    parser.add_argument("--no-breakdown", action="store_true", help="skip where the time goes")
    return parser.parse_args()


CLOCK = time.perf_counter


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return min(times)


def gemm_floor(batch, n_steps, repeats):
    """Seconds for `n_steps` CD-1 steps' worth of the 5 GEMMs at numpy's rate."""
    rng = np.random.default_rng(0)
    v = (rng.random((batch, 784)) < 0.3).astype(np.float32)
    h = (rng.random((batch, N_HIDDEN)) < 0.5).astype(np.float32)
    w = rng.normal(0, 0.01, (784, N_HIDDEN)).astype(np.float32)
    reps = max(20, min(n_steps, 200))

    def run():
        for _ in range(reps):
            v @ w
            h @ w.T
            v @ w
            v.T @ h
            v.T @ h

    run()  # warm up the BLAS threads
    return best(run, repeats) * n_steps / reps


def tf_loop_time(body_fn, n_steps, repeats):
    """Seconds for `n_steps` iterations of `body_fn(i)` in one compiled `tf.while_loop`."""
    import tensorflow as tf

    @tf.function
    def loop():
        def body(i, acc):
            return i + 1, acc + body_fn(i)

        return tf.while_loop(lambda i, _: i < n_steps, body, (tf.constant(0), tf.constant(0.0)))

    loop()  # trace and warm up
    return best(loop, repeats)


def breakdown(batch, n_steps, repeats):
    """Seconds of `n_steps` CD-1 steps' GEMMs, random numbers and sigmoids in TensorFlow."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    v = tf.constant((rng.random((batch, 784)) < 0.3).astype(np.float32))
    h = tf.constant((rng.random((batch, N_HIDDEN)) < 0.5).astype(np.float32))
    w = tf.constant(rng.normal(0, 0.01, (784, N_HIDDEN)).astype(np.float32))

    def gemms(i):
        shift = tf.cast(i, tf.float32) * 0.0  # a loop-dependent input: nothing is hoisted
        terms = (
            tf.matmul(v + shift, w),
            tf.matmul(h, w, transpose_b=True),
            tf.matmul(v, w + shift),
            tf.matmul(v, h + shift, transpose_a=True),
            tf.matmul(v + shift, h, transpose_a=True),
        )
        return tf.add_n([t[0, 0] for t in terms])

    def uniforms(i):
        seed = tf.stack([i, 0])
        u_h = tf.random.stateless_uniform((batch, N_HIDDEN), seed)
        u_v = tf.random.stateless_uniform((batch, 784), seed + 1)
        return u_h[0, 0] + u_v[0, 0]

    def sigmoids(i):
        shift = tf.cast(i, tf.float32) * 0.0
        return (tf.sigmoid(h + shift)[0, 0] + tf.sigmoid(v + shift)[0, 0]
                + tf.sigmoid(h - shift)[0, 0])

    return {
        "5 GEMMs (TensorFlow)": tf_loop_time(gemms, n_steps, repeats),
        "uniforms for h and v": tf_loop_time(uniforms, n_steps, repeats),
        "3 sigmoids (h, v, h)": tf_loop_time(sigmoids, n_steps, repeats),
    }


def main():
    global CLOCK
    args = parse_args()
    repeats = 1 if args.quick else args.repeats
    if args.clock == "cpu":
        CLOCK = time.process_time
    import contextlib

    limit = contextlib.nullcontext()
    if args.threads:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(limits=args.threads)
    with limit:
        run(args, repeats)


def run(args, repeats):
    from kerazoo.datasets import load_fashion_mnist  # numpy only: no TensorFlow op runs

    x, _ = load_fashion_mnist("train+validation")
    if args.quick:
        x = x[:12000]
    binary = (x > 0.5).astype(np.float32)  # the same array for both models
    flat = binary.reshape(len(binary), -1)
    n = len(binary)
    batches = [100] if args.quick else [int(b) for b in args.batches.split(",")]

    # 1. the floor and 2. scikit-learn, before TensorFlow starts its threads
    floors = {b: gemm_floor(b, int(np.ceil(n / b)), repeats) for b in batches}
    from sklearn.neural_network import BernoulliRBM as SklearnRBM

    SklearnRBM(n_components=N_HIDDEN, batch_size=100, learning_rate=0.05, n_iter=1,
               random_state=0).fit(flat[:1000])

    def sklearn_epoch():
        SklearnRBM(n_components=N_HIDDEN, batch_size=100, learning_rate=0.05, n_iter=1,
                   random_state=0).fit(flat)

    t_sklearn = best(sklearn_epoch, repeats)

    # 3. kerazoo
    import keras
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from kerazoo.layers import sampling
    from kerazoo.models import BernoulliRBM

    class ExplicitCD(BernoulliRBM):
        """CD with hand-written sufficient statistics instead of autodiff of the loss."""

        def train_step(self, data):
            v0 = self._to_visible(self._unpack(data))
            seed = sampling.as_seed(self.seed_generator)
            rbm = self.rbm
            a0 = rbm.hidden_logits(v0)
            h0 = tf.sigmoid(a0)
            v_neg, reconstruction = self._negative_phase(v0, h0, seed)
            a_neg = rbm.hidden_logits(v_neg)
            h_neg = tf.sigmoid(a_neg)
            scale = 1.0 / tf.cast(tf.shape(v0)[0], tf.float32)
            # both statistics in one GEMM: [v0; v-]^T [h0; -h-]
            g_kernel = -scale * tf.matmul(
                tf.concat([v0, v_neg], 0), tf.concat([h0, -h_neg], 0), transpose_a=True
            )
            g_visible = -tf.reduce_mean(v0 - v_neg, 0)
            g_hidden = -tf.reduce_mean(h0 - h_neg, 0)
            if self.weight_decay:
                g_kernel += self.weight_decay * rbm.kernel
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            grads = [g / replicas for g in (g_kernel, g_visible, g_hidden)]
            self.optimizer.apply_gradients(zip(grads, [rbm.kernel, rbm.visible_bias, rbm.hidden_bias]))
            f0 = rbm.free_energy(v0, a0, h0)
            loss = tf.reduce_mean(f0) - tf.reduce_mean(rbm.free_energy(v_neg, a_neg, h_neg))
            self._loss_tracker.update_state(loss, sample_weight=tf.shape(v0)[0])
            self._update_monitors(v0, {"reconstruction": reconstruction, "f0": f0, "a0": a0},
                                  sampling.fold_seed(seed, 1001))
            return self._logs(training=True)

    def kerazoo_epoch_time(batch, spe, cls=BernoulliRBM, jit_compile="auto"):
        model = cls(N_HIDDEN, cd_k=1, persistent=False, weight_decay=0.0, seed=0)
        model.compile(optimizer=keras.optimizers.SGD(0.05), steps_per_execution=spe,
                      jit_compile=jit_compile)
        model.fit(binary[: 10 * batch], epochs=1, batch_size=batch, verbose=0)  # trace
        return best(lambda: model.fit(binary, epochs=1, batch_size=batch, verbose=0), repeats)

    spe = args.steps_per_execution
    t_ours = kerazoo_epoch_time(100, spe)
    sweep = {b: (t_ours if b == 100 else kerazoo_epoch_time(b, spe)) for b in batches}
    t_explicit = None if args.quick else kerazoo_epoch_time(100, spe, ExplicitCD)
    t_xla = kerazoo_epoch_time(100, spe, jit_compile=True)
    spe_sweep = {} if args.quick else {s: kerazoo_epoch_time(100, s) for s in (1, 10)}
    parts = None if (args.quick or args.no_breakdown) else breakdown(100, int(np.ceil(n / 100)), repeats)
    floors_after = {b: gemm_floor(b, int(np.ceil(n / b)), repeats) for b in batches}
    floors = {b: min(floors[b], floors_after[b]) for b in batches}

    f = floors[100]
    print(f"One CD-1 epoch: {n:,} Fashion-MNIST images, {N_HIDDEN} hidden, batch 100 "
          f"(best of {repeats}, {args.clock} clock, "
          f"{args.threads or 'all'} threads; TensorFlow {tf.__version__}, Keras {keras.__version__})")
    print(f"  GEMM floor (numpy, 5 GEMMs/step)  {f:7.2f} s")
    print(f"  scikit-learn BernoulliRBM         {t_sklearn:7.2f} s")
    print(f"  kerazoo BernoulliRBM (spe={spe:<4})   {t_ours:7.2f} s")
    print(f"  speed-up over scikit-learn: {t_sklearn / t_ours:5.2f}x   (target >= 2)")
    print(f"  kerazoo / floor:            {t_ours / f:5.2f}x   (target <= 1.3)")
    print(f"  with compile(jit_compile=True) (XLA; 'auto' leaves it off): {t_xla:.2f} s = "
          f"{t_sklearn / t_xla:.2f}x faster than scikit-learn, {t_xla / f:.2f}x the floor")
    print(f"\nLarger batches (same {n:,} images, one epoch):")
    print("  batch  floor(s)  kerazoo(s)  kerazoo/floor")
    for b in batches:
        print(f"  {b:5d}  {floors[b]:8.2f}  {sweep[b]:10.2f}  {sweep[b] / floors[b]:13.2f}")
    if spe_sweep:
        print("\nsteps_per_execution (batch 100):")
        for s, t in {**spe_sweep, spe: t_ours}.items():
            print(f"  {s:5d}  {t:7.2f} s  ({t / f:.2f}x floor)")
    if t_explicit is not None:
        print("\nCD inside Keras (batch 100):")
        print(f"  free-energy loss + autodiff (kerazoo)    {t_ours:7.2f} s")
        print(f"  hand-written statistics, one fused GEMM  {t_explicit:7.2f} s")
        print(f"  autodiff / explicit: {t_ours / t_explicit:.3f}")
    if parts is not None:
        print(f"\nWhere the time goes (batch 100, {int(np.ceil(n / 100))} steps, TensorFlow alone):")
        for name, t in parts.items():
            print(f"  {name:28s} {t:6.2f} s  ({t / t_ours:5.1%} of the kerazoo epoch)")
        rest = t_ours - sum(parts.values())
        print(f"  {'the rest':28s} {rest:6.2f} s  ({rest / t_ours:5.1%}: monitors, updates, input, dispatch)")


if __name__ == "__main__":
    main()
