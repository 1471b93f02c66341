"""Quality of kerazoo's BernoulliRBM against scikit-learn's at equal budget.

Both models see the same binarized Fashion-MNIST training images (the 60,000 official
training images, pixels on above 0.5, one float32 array), the same number of hidden
units, the same batch size (100) and the same number of epochs; scikit-learn runs with
`learning_rate=0.05` (its PCD with one persistent chain per example of the batch).
kerazoo's model is `BernoulliRBM(n_hidden, seed=...)` with its defaults (PCD-1 with 100
persistent chains, weight decay 1e-4, base-rate visible biases) and `compile()` with
no arguments (SGD, learning rate 0.05 per example, the default momentum).

Both are scored on the 10,000 binarized test images by the same estimator with the same
seed, from their weights alone:

- 20 hidden units: the exact log partition function (2^20 hidden states summed);
- 500 hidden units: annealed importance sampling (Salakhutdinov & Murray 2008), 100
  chains, 14,500 inverse temperatures, a base-rate model from the training pixels.

It prints the mean test log-likelihoods in nats per image and kerazoo's gain over
scikit-learn (target: at least 5 nats at both sizes).

Usage: python benchmarks/rbm_quality.py [--epochs20 1,3,10] [--epochs500 5] [--seeds 0,1,2]
       [--sizes 20,500] [--quick]
"""

import argparse
import time

import numpy as np


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,500", help="hidden sizes to compare")
    parser.add_argument("--epochs20", default="1,3,10", help="epoch counts at 20 hidden units")
    parser.add_argument("--epochs500", default="5", help="epoch counts at 500 hidden units")
    parser.add_argument("--seeds", default="0,1,2",
                        help="seeds of the runs at 20 hidden units (the 500-unit runs use the first)")
    parser.add_argument("--n-betas", type=int, default=14500, help="AIS temperatures")
    parser.add_argument("--n-chains", type=int, default=100, help="AIS chains")
    parser.add_argument("--quick", action="store_true",
                        help="12,000 training images, 1,000 AIS temperatures (a smoke run)")
    return parser.parse_args()


def score(weights, v_test, base, n_chains, n_betas, seed):
    """(mean test log-likelihood, AIS spread, estimator) of an RBM's numpy weights."""
    from kerazoo import metrics

    kernel, visible_bias, hidden_bias = (np.asarray(w, np.float64) for w in weights)
    log_z, std, details = metrics.bernoulli_rbm_log_partition(
        kernel, visible_bias, hidden_bias, n_chains=n_chains, n_betas=n_betas,
        base_visible_bias=base, seed=seed,
    )
    how = "exact" if details is None else "AIS"
    free_energy = metrics.bernoulli_rbm_free_energy(v_test, kernel, visible_bias, hidden_bias)
    return float(-np.mean(free_energy) - log_z), float(std), how


def main():
    args = parse_args()
    from sklearn.neural_network import BernoulliRBM as SklearnRBM

    from kerazoo import metrics
    from kerazoo.datasets import load_fashion_mnist
    import keras

    from kerazoo.models import BernoulliRBM

    x_train, _ = load_fashion_mnist("train+validation")
    x_test, _ = load_fashion_mnist("test")
    n_betas = args.n_betas
    if args.quick:
        x_train, n_betas = x_train[:12000], 1000
    # One binarized array for both models (kerazoo's model binarizes at 0.5 inside,
    # which gives the same visible vectors).
    v_train = (x_train.reshape(len(x_train), -1) > 0.5).astype(np.float32)
    v_test = (x_test.reshape(len(x_test), -1) > 0.5).astype(np.float64)
    x_train_binary = v_train.reshape(x_train.shape)
    base = metrics.base_rate_visible_bias(v_train)

    rows = []
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = [
        (n_hidden, int(e), seed)
        for n_hidden in (int(s) for s in args.sizes.split(","))
        for e in (args.epochs20 if n_hidden <= metrics.MAX_EXACT_HIDDEN else args.epochs500).split(",")
        for seed in (seeds if n_hidden <= metrics.MAX_EXACT_HIDDEN else seeds[:1])
    ]
    for n_hidden, epochs, seed in runs:
        keras.utils.set_random_seed(seed)  # also Keras's shuffling of the batches
        start = time.perf_counter()
        sk = SklearnRBM(n_components=n_hidden, learning_rate=0.05, batch_size=100,
                        n_iter=epochs, random_state=seed)
        sk.fit(v_train)
        t_sk = time.perf_counter() - start
        start = time.perf_counter()
        ours = BernoulliRBM(n_hidden, seed=seed)
        ours.compile(steps_per_execution=100)
        ours.fit(x_train_binary, epochs=epochs, batch_size=100, verbose=0)
        t_ours = time.perf_counter() - start
        ll_sk, std_sk, how = score(
            (sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_),
            v_test, base, args.n_chains, n_betas, seed)
        ll_ours, std_ours, _ = score(ours.weights_numpy(), v_test, base, args.n_chains,
                                     n_betas, seed)
        rows.append((n_hidden, epochs, seed, how, ll_sk, std_sk, t_sk, ll_ours, std_ours, t_ours))
        print(f"{n_hidden} hidden, {epochs} epochs, seed {seed} done", flush=True)

    momentum = BernoulliRBM.default_momentum
    print(f"\nTest log-likelihood, binarized Fashion-MNIST ({len(v_train):,} training images, "
          f"10,000 test images), nats per image; batch 100; kerazoo: "
          f"BernoulliRBM defaults + compile() (SGD 0.05, momentum {momentum}); "
          f"AIS: {args.n_chains} chains x {n_betas:,} temperatures")
    print("  hidden  epochs  seed  estimator  scikit-learn (train s)     kerazoo (train s)"
          "          gain")
    for n_hidden, epochs, seed, how, ll_sk, std_sk, t_sk, ll_ours, std_ours, t_ours in rows:
        print(f"  {n_hidden:6d}  {epochs:6d}  {seed:4d}  {how:9s}  {ll_sk:8.2f} ±{std_sk:4.2f} "
              f"({t_sk:6.1f})   {ll_ours:8.2f} ±{std_ours:4.2f} ({t_ours:6.1f})   "
              f"{ll_ours - ll_sk:+6.2f}")
    print("\nMean over seeds (target: kerazoo ahead by >= 5 nats):")
    for n_hidden, epochs in dict.fromkeys((r[0], r[1]) for r in rows):
        group = [r for r in rows if r[:2] == (n_hidden, epochs)]
        sk_mean = float(np.mean([r[4] for r in group]))
        ours_mean = float(np.mean([r[7] for r in group]))
        gain = ours_mean - sk_mean
        print(f"  {n_hidden:4d} hidden, {epochs:3d} epochs, {len(group)} seed(s): scikit-learn "
              f"{sk_mean:8.2f}, kerazoo {ours_mean:8.2f}, gain {gain:+6.2f}  "
              f"{'met' if gain >= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
