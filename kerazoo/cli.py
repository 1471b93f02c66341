"""The `kerazoo` command.

    kerazoo list                       the zoo's models, one line each
    kerazoo info NAME                  a model's card and metrics
    kerazoo verify [NAME]              check every file's sha256 and run each SavedModel signature
    kerazoo train JOB [--publish NAME] re-create a zoo entry from its job file
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
