"""The test log-likelihoods of the zoo's models of binarized Fashion-MNIST, side by side.

Every entry below models the 10,000 Fashion-MNIST test images binarized at 0.5 and
reports a mean `test_log_likelihood` in nats per image in its metadata, each from its own
estimator: the Bernoulli RBM by annealed importance sampling of log Z (a stochastic lower
bound on Z in expectation, so its log-likelihood errs high when the schedule is short),
the VAE by importance sampling from its encoder with 1,000 samples per image (a
stochastic lower bound on log p(x)). The numbers are estimates of the same quantity, so
they compare, with the estimators' biases in mind.

    python benchmarks/likelihoods.py                  # print the table
    python benchmarks/likelihoods.py --update-cards   # and add each number to the other cards

`--update-cards` writes each entry's number into the other entries' cards as an anchor
(`kerazoo.hub.update_card`: no retraining, the entry is verified and rewritten
atomically).
"""

import argparse

import kerazoo

#: entry -> how its number was estimated (for the table and the anchors' names)
ENTRIES = {
    "rbm.fashion_mnist": "Bernoulli RBM, 500 hidden, PCD; AIS",
    "vae.fashion_mnist": "VAE, 20-D latent, Bernoulli decoder; importance sampling, K=1000",
    "dbn.fashion_mnist": "DBN 784-500-500-2000; AIS bound",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update-cards", action="store_true")
    args = parser.parse_args()
    published = set(kerazoo.list_models())
    rows = {}
    for name, how in ENTRIES.items():
        if name not in published:
            continue
        metrics = kerazoo.hub.entry_metadata(name)["metrics"]
        if "test_log_likelihood" in metrics:
            rows[name] = (how, metrics["test_log_likelihood"])
    print("Binarized Fashion-MNIST test set, mean log-likelihood (nats per image):")
    for name, (how, value) in sorted(rows.items(), key=lambda r: -r[1][1]):
        print(f"  {name:24s} {value:9.2f}   ({how})")
    if args.update_cards:
        for name in rows:
            anchors = {
                f"{other} ({how})": {"test_log_likelihood": value}
                for other, (how, value) in rows.items() if other != name
            }
            if anchors:
                kerazoo.hub.update_card(name, anchors=anchors)
                print(f"updated the card of {name}")


if __name__ == "__main__":
    main()
