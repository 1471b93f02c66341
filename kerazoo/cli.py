"""The `kerazoo` command.

    kerazoo list                       the zoo's models, one line each
    kerazoo info NAME                  a model's card and metrics
    kerazoo verify [NAME]              check every file's sha256 and run each SavedModel signature
    kerazoo train JOB [--publish NAME] re-create a zoo entry from its job file
    kerazoo recommend NAME --user U    top-k movies for a MovieLens-100k user
"""

import argparse
import sys

VERBS = {}


def verb(name, help_text):
    def register(fn):
        VERBS[name] = (fn, help_text)
        return fn

    return register


def _zoo_arg(parser):
    parser.add_argument(
        "--zoo", metavar="DIR", default=None,
        help="zoo folder to use (default: $KERAZOO_ZOO, else the repository's zoo/)",
    )


@verb("list", "list the zoo's models")
def _list(sub):
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub import index as zoo_index
        from kerazoo.hub import list_models, resolve_zoo_dir

        names = list_models(args.zoo)
        if not names:
            print(f"The zoo at {resolve_zoo_dir(args.zoo)} has no models yet.")
            return 0
        entries = zoo_index.read_index(resolve_zoo_dir(args.zoo))["entries"]
        width = max(len(n) for n in names)
        for name in names:
            record = entries[name]
            print(f"{name:<{width}}  {record.get('class') or '':<28} {record.get('summary', '')}")
        return 0

    return run


@verb("info", "show a model's card and metrics")
def _info(sub):
    sub.add_argument("name", help="a zoo name, e.g. rbm.fashion_mnist")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub import entry_metadata, model_card

        print(model_card(args.name, args.zoo))
        metadata = entry_metadata(args.name, args.zoo)
        print("metrics:")
        for key, value in metadata.get("metrics", {}).items():
            print(f"  {key}: {value}")
        return 0

    return run


@verb("verify", "check every file's sha256 and run each SavedModel signature")
def _verify(sub):
    sub.add_argument("name", nargs="?", help="one zoo name (default: every entry)")
    sub.add_argument("--no-run", action="store_true", help="check hashes only")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub import list_models, verify

        names = [args.name] if args.name else list_models(args.zoo)
        if not names:
            print("The zoo has no models to verify.")
            return 0
        failed = 0
        for i, name in enumerate(names, 1):
            print(f"[{i}/{len(names)}] {name} ... ", end="", flush=True)
            try:
                report = verify(name, args.zoo, run_signatures=not args.no_run)[name]
            except Exception as e:  # noqa: BLE001  (report every entry, then fail)
                failed += 1
                print(f"FAILED\n    {type(e).__name__}: {e}")
                continue
            sigs = ", ".join(f"{s}{tuple(next(iter(o.values()), ()))}" for s, o in report.items())
            print("ok" + (f"  ({sigs})" if sigs else ""))
        print(f"{len(names) - failed} ok, {failed} failed")
        return 1 if failed else 0

    return run


@verb("train", "re-create a zoo entry from its job file (tuning/NAME.toml)")
def _train(sub):
    sub.add_argument("job", help="a job file, e.g. tuning/rbm.fashion_mnist.toml")
    sub.add_argument("--publish", metavar="NAME", help="publish the trained model as NAME")
    sub.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    sub.add_argument("--subset", type=int, help="train on the first N training examples only")
    sub.add_argument(
        "--checkpoint-dir", default="runs",
        help="where the last good weights are kept during training (default: runs/)",
    )
    _zoo_arg(sub)

    def run(args):
        from kerazoo.jobs import train_job

        result = train_job(
            args.job, publish=args.publish, zoo_dir=args.zoo, epochs=args.epochs,
            subset=args.subset, checkpoint_dir=args.checkpoint_dir,
        )
        print(f"{result.job.name}: trained from {args.job}")
        for key, value in result.metrics.items():
            print(f"  {key}: {value:.6g}" if isinstance(value, float) else f"  {key}: {value}")
        if result.entry is not None:
            print(f"published as {args.publish} in {result.entry}")
        return 0

    return run


@verb("recommend", "recommend movies to a MovieLens-100k user with a zoo recommender")
def _recommend(sub):
    sub.add_argument("name", help="a zoo recommender, e.g. autorec.movielens_100k")
    sub.add_argument("--user", type=int, metavar="U", help="a MovieLens-100k user id, 1..943")
    sub.add_argument(
        "--rating", action="append", default=[], metavar="ITEM:STARS",
        help="instead of --user: a new user's rating of a movie id, e.g. --rating 50:5 "
        "(repeat it; folds the new user in)",
    )
    sub.add_argument("-k", type=int, default=10, help="how many movies (default: 10)")
    sub.add_argument(
        "--fold", type=int, default=None,
        help="the history is uFOLD.base of your MovieLens-100k copy (default: the fold the "
        "model was trained on)",
    )
    sub.add_argument("--include-seen", action="store_true",
                     help="also list movies the user already rated")
    sub.add_argument("--data-dir", default=None,
                     help="your ml-100k folder (default: $KERAZOO_DATA_DIR, else a download)")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.datasets import load_movielens_100k, movielens_titles
        from kerazoo.hub import load

        if (args.user is None) == (not args.rating):
            raise ValueError("Give either --user U or one or more --rating ITEM:STARS.")
        model = load(args.name, args.zoo)
        if not hasattr(model, "recommend"):
            raise ValueError(f"{args.name} is a {type(model).__name__}, not a recommender.")
        titles = movielens_titles(args.data_dir)
        if args.user is not None:
            fold = args.fold or model.history_fold
            history, _ = load_movielens_100k(fold, data_dir=args.data_dir)
            items, preds = model.recommend(args.user, k=args.k, history=history,
                                           exclude_seen=not args.include_seen)
            print(f"{args.name}: top {len(items)} for user {args.user} (history u{fold}.base)")
        else:
            ratings = {}
            for text in args.rating:
                item, sep, stars = text.partition(":")
                if not sep or not item.strip().isdigit() or not stars.strip().isdigit():
                    raise ValueError(f"--rating takes ITEM:STARS, e.g. 50:5. Received: {text!r}")
                ratings[int(item)] = int(stars)
            try:
                items, preds = model.recommend_new_user(ratings, k=args.k,
                                                        exclude_seen=not args.include_seen)
            except NotImplementedError as e:
                raise ValueError(str(e)) from None
            print(f"{args.name}: top {len(items)} for a new user with {len(ratings)} rating(s)")
        for rank, (item, pred) in enumerate(zip(items, preds), 1):
            print(f"{rank:3d}. {titles[item - 1]}  (movie {item}, predicted {pred:.2f})")
        return 0

    return run


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerazoo",
        description="kerazoo: pretrained unsupervised models (RBMs, DBNs, autoencoders, GANs) "
        "for Keras 3. Load them with kerazoo.load(NAME) in Python, or use these verbs.",
    )
    from kerazoo.version import __version__

    parser.add_argument("--version", action="version", version=f"kerazoo {__version__}")
    subs = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, (factory, help_text) in VERBS.items():
        sub = subs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=factory(sub))
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from kerazoo.hub import IntegrityError, UnknownModelError
    from kerazoo.jobs import JobError

    try:
        return args.run(args)
    except (IntegrityError, UnknownModelError, JobError, FileNotFoundError, ValueError) as e:
        print(f"kerazoo {args.verb}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
