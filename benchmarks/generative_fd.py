"""Sample quality of the zoo's generative models in one feature space.

    PYTHONPATH=$PWD python benchmarks/generative_fd.py                  # print the table
    PYTHONPATH=$PWD python benchmarks/generative_fd.py --update-cards   # and write it into the cards

Samples 10,000 images from each published generative entry (no retraining) and scores
them in the feature space of classifier.fashion_mnist (its penultimate layer): the
Fréchet distance to the 10,000 Fashion-MNIST test images and the class coverage (the
smallest share of a predicted class among the samples; 0.1 each is uniform), next to 10,000
real training images and the same images blurred (each pixel averaged with its four
neighbours). Draws: `sample(10000, seed=0)` for the VAE and the GAN; for the RBM and the DBN
`--gibbs-steps` steps of block Gibbs sampling per chain (default 200) from `seed=0`.

With --update-cards, each entry's card gets the metrics `fd` and `class_coverage_min`,
the other rows as anchors, and a paragraph in its evaluation section (via
kerazoo.hub.update_card; the entries' weights are untouched).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENTRIES = ("dcgan.fashion_mnist", "vae.fashion_mnist", "dbn.fashion_mnist", "rbm.fashion_mnist")
MARK = "Sample quality (benchmarks/generative_fd.py)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gibbs-steps", type=int, default=200, help="Gibbs steps per RBM/DBN chain")
    parser.add_argument("--update-cards", action="store_true", help="write the numbers into the entries' cards")
    args = parser.parse_args(argv)

    import kerazoo
    from kerazoo.hub import update_card
    from kerazoo.hub.load import entry_metadata
    from kerazoo.recipes.sample_quality import FD_SAMPLES, SampleEvaluator
    from kerazoo.recipes.gan import score_anchors
    from kerazoo.recipes.data import load_image_splits
    from kerazoo.recipes import load_job

    evaluator = SampleEvaluator.from_zoo()
    x_train = load_image_splits(load_job(ROOT / "tuning" / "dcgan.fashion_mnist.toml"))["x_train"]
    anchors = score_anchors(evaluator, x_train)
    rows, draws = {}, {}
    available = set(kerazoo.list_models())
    for name in ENTRIES:
        if name not in available:
            print(f"{name}: not in the zoo, skipped", flush=True)
            continue
        model = kerazoo.load(name)
        start = time.perf_counter()
        if name.startswith(("rbm.", "dbn.")):
            samples = model.sample(FD_SAMPLES, gibbs_steps=args.gibbs_steps, seed=0)
            draws[name] = f"sample({FD_SAMPLES}, gibbs_steps={args.gibbs_steps}, seed=0)"
        else:
            samples = model.sample(FD_SAMPLES, seed=0)
            draws[name] = f"sample({FD_SAMPLES}, seed=0)"
        samples = samples.reshape((-1, 28, 28, 1)).astype("float32")
        rows[name] = evaluator(samples)
        print(f"{name}: sampled and scored in {time.perf_counter() - start:.0f} s", flush=True)

    print()
    print(f"Fréchet distance to the 10,000 test images in classifier.fashion_mnist features "
          f"({FD_SAMPLES} images per row):")
    print(f"{'row':<26} {'FD':>9} {'min class share':>16}  class shares 0-9")
    for name, r in {**anchors, **rows}.items():
        shares = " ".join(f"{s:.3f}" for s in r["class_coverage"])
        print(f"{name:<26} {r['fd']:>9.3f} {r['class_coverage_min']:>16.4f}  {shares}")

    if not args.update_cards:
        return
    table = {**anchors, **rows}
    for name, r in rows.items():
        others = {k: {"fd": round(v["fd"], 3), "class_coverage_min": round(v["class_coverage_min"], 4)}
                  for k, v in table.items() if k != name}
        old = entry_metadata(name).get("card", {}).get("evaluation", "")
        old = old.split(f"\n### {MARK}")[0].rstrip() + "\n"
        paragraph = f"""
### {MARK}
`fd` is the Fréchet distance between 10,000 samples (`{draws[name]}`) and the 10,000
Fashion-MNIST test images in the feature space of `classifier.fashion_mnist` (its 128-unit
penultimate layer); `class_coverage_min` is the smallest share of a predicted class among
those samples (0.1 for every class is uniform). The anchors table sets these next to the
other generative entries, 10,000 real training images and the same images blurred (each
pixel averaged with its four neighbours), all scored the same way by
`benchmarks/generative_fd.py` (distances compare only within this feature space and at
10,000 samples).
"""
        update_card(
            name,
            metrics={"fd": round(r["fd"], 3), "class_coverage_min": round(r["class_coverage_min"], 4)},
            anchors=others,
            evaluation=old + paragraph,
        )
        print(f"updated the card of {name}")


if __name__ == "__main__":
    main()
