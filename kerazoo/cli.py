"""The `kerazoo` command.

    kerazoo list                       the zoo's models, one line each
    kerazoo info NAME                  a model's card and metrics
    kerazoo fetch NAME|--all           download registered entries into the cache ahead of time
    kerazoo cache [--clear]            show or clear the cache of entries fetched from the mirror
    kerazoo export NAME DIR            write an entry in Keras 3's unzipped layout, with its card
    kerazoo push NAME hf://org/repo    upload an entry to the Hugging Face Hub
    kerazoo verify [NAME]              check every file's sha256; run the SavedModel signatures of pinned entries
    kerazoo train JOB [--publish NAME] re-create a zoo entry from its job file
    kerazoo tune JOB                   keras-tuner search around a job's recipe (resumable, distributed)
    kerazoo reconstruct NAME           reconstruct (denoise, inpaint) images (autoencoders, RBMs, DBN): PNG + .npy
    kerazoo encode NAME                encode images to codes (autoencoders, RBMs, DBN): .npy (+ a map)
    kerazoo recommend NAME --user U    top-k movies for a MovieLens-100k user
    kerazoo demo [--out DIR]           the zoo's gallery: index.html + PNGs
"""

import argparse
import re
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


def _positive_flag(value, flag):
    """A count given on the command line, or a ValueError naming the flag."""
    if value is not None and value < 1:
        raise ValueError(f"{flag} must be a positive integer. Received: {flag} {value}")
    return value


def _folder_flag(value, flag, create=False):
    """`value` as a folder path (created with `create`), or a ValueError naming the flag."""
    from pathlib import Path

    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {path} is not a folder (a file of that name exists).")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ValueError(f"{flag} {path}: cannot create the folder ({e.strerror or e}).") from None
    return path


def _file_flag(value, flag, suffix):
    """`value` as a file path ending in `suffix` whose folder exists (created), or a ValueError."""
    from pathlib import Path

    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{flag} {path} is a folder; give a file name ending in {suffix}.")
    _folder_flag(path.parent, f"{flag} {path}: its folder", create=True)
    return path


def _ellipsis():
    """'…' where stdout can print it, else '...'."""
    try:
        "…".encode(sys.stdout.encoding or "ascii")
        return "…"
    except (UnicodeEncodeError, LookupError):
        return "..."


#: Control characters other than newline and tab: a card or summary holding them could move
#: the cursor, rewrite what was printed before or retitle the terminal (ANSI escapes).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text):
    """`text` with its control characters shown as escapes (`\\x1b`), never sent to the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _shorten(text, width, cut=False):
    """`text` on one line of at most `width` characters, cut at a word boundary with an
    ellipsis.

    `cut`: the text was already cut to a fixed length (the zoo index keeps 200 characters of
    a summary), possibly mid-word: its last word is dropped, and the ellipsis says so.
    """
    text = " ".join(str(text).split())
    if not cut and len(text) <= width:
        return text
    mark = _ellipsis()
    if cut and " " in text:
        text = text.rsplit(" ", 1)[0]
    room = max(width - len(mark), 1)
    if len(text) > room:
        head = text[: room + 1]
        space = head.rfind(" ")
        text = head[:space] if space > 0 else text[:room]
    return text.rstrip(" ,;:-(") + mark


@verb("list", "list the zoo's models")
def _list(sub):
    sub.add_argument("--wide", action="store_true",
                     help="print whole summaries (default: cut at a word to fit the terminal)")
    _zoo_arg(sub)

    def run(args):
        import shutil

        from kerazoo.hub import list_entries, resolve_zoo_dir

        entries = list_entries(args.zoo)  # index fields checked against the hashed metadata
        names = sorted(entries)
        remote = {}
        if args.zoo is None:  # entries registered in the package, loaded from the cache or mirror
            from kerazoo.hub import mirror
            from kerazoo.hub.registry import read_registry

            cached = set(mirror.cached_names())
            remote = {name: dict(record, where="cached" if name in cached else "not downloaded")
                      for name, record in read_registry()["entries"].items() if name not in entries}
        if not names and not remote:
            print(f"The zoo at {resolve_zoo_dir(args.zoo)} has no models yet.")
            return 0
        rows = [[name, _printable(entries[name].get("class") or ""),
                 _printable(entries[name].get("summary") or "")] for name in names]
        rows += [[name, record.get("class") or "", f"[{record['where']}]",
                  record.get("summary") or ""] for name, record in sorted(remote.items())]
        name_w = max(len(row[0]) for row in rows)
        class_w = max(len(row[1]) for row in rows)
        columns = shutil.get_terminal_size((100, 24)).columns

        def line(name, cls, summary, where=""):
            start = name_w + 2 + class_w + 2
            # The index keeps the first 200 characters of a summary: longer ones were cut.
            cut = len(summary) >= 200
            summary = f"{where} {summary}" if where else summary
            if args.wide:
                summary = _shorten(summary, 10**6, cut=cut)
            else:
                summary = _shorten(summary, max(columns - 1 - start, 30), cut=cut)
            return f"{name:<{name_w}}  {cls:<{class_w}}  {summary}".rstrip()

        for row in rows[: len(names)]:
            print(line(*row))
        if remote:
            if names:
                print()
            print(f"From the mirror (cache: {mirror.cache_dir()}):")
            for name, cls, where, summary in rows[len(names):]:
                print(line(name, cls, summary, where))
        print("\n`kerazoo info NAME` shows a model's card; --wide, whole summaries.")
        return 0

    return run


def _card_body(card):
    """The model card without its YAML front matter (from the title on)."""
    if card.startswith("---"):
        end = card.find("\n---", 3)
        if end != -1:
            return card[end + len("\n---"):].lstrip("\n")
    return card


@verb("info", "show a model's card (title and body; --front-matter for the whole file) and metrics")
def _info(sub):
    sub.add_argument("name", help="a zoo name, e.g. rbm.fashion_mnist")
    sub.add_argument(
        "--front-matter", "--raw", dest="raw", action="store_true",
        help="print the whole card file as published, YAML front matter (Hugging Face metadata) "
        "included",
    )
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub import entry_metadata, model_card

        card = model_card(args.name, args.zoo)
        print(_printable(card if args.raw else _card_body(card)))
        metadata = entry_metadata(args.name, args.zoo)
        print("metrics:")
        for key, value in metadata.get("metrics", {}).items():
            print(_printable(f"  {key}: {value}"))
        if not args.raw:
            print(f"\n(The card's YAML front matter is hidden: `kerazoo info {args.name} "
                  "--front-matter` prints the whole file.)")
        return 0

    return run


@verb("fetch", "download registered zoo entries into the cache ahead of time")
def _fetch(sub):
    sub.add_argument("name", nargs="?", help="a registered zoo name, e.g. rbm.fashion_mnist")
    sub.add_argument("--all", action="store_true", help="every registered entry")
    sub.add_argument("--mirror", metavar="URL", default=None,
                     help="mirror to download from (default: $KERAZOO_ZOO_URL, else the release mirror)")
    sub.add_argument("--force", action="store_true", help="download again even if cached")

    def run(args):
        from kerazoo.hub import mirror
        from kerazoo.hub.registry import registered_names

        if bool(args.name) == bool(args.all):
            raise ValueError("Give one registered zoo NAME or --all. Received: "
                             f"{args.name!r}{' and --all' if args.all else ''}")
        names = registered_names() if args.all else [args.name]
        for i, name in enumerate(names, 1):
            print(f"[{i}/{len(names)}] {name} ... ", end="", flush=True)
            path = mirror.fetch(name, mirror=args.mirror, progress=sys.stderr.isatty(),
                                force=args.force)
            print(f"ok ({path})")
        return 0

    return run


@verb("cache", "show or clear the local cache of entries fetched from the mirror")
def _cache(sub):
    sub.add_argument("--clear", action="store_true",
                     help="remove the cached entries (only what kerazoo put in the cache folder)")

    def run(args):
        from kerazoo.hub import mirror

        if args.clear:
            removed = mirror.clear_cache()
            print(f"Removed {len(removed)} cached entries from {mirror.cache_dir()}"
                  + (f": {', '.join(removed)}." if removed else "."))
            return 0
        names = mirror.cached_names()
        print(f"Cache: {mirror.cache_dir()} (${mirror.CACHE_ENV_VAR}); mirror: {mirror.mirror_url()}")
        for name in names:
            print(f"  {name}  {mirror.cache_size(name) / 2**20:.1f} MB")
        print(f"{len(names)} cached entries.")
        return 0

    return run


@verb("export", "write a zoo entry in Keras 3's unzipped layout (config.json, model.weights.h5, "
      "metadata.json) with its card: keras.saving.load_model(DIR) reads it")
def _export(sub):
    sub.add_argument("name", help="a zoo name (or an entry folder / handle)")
    sub.add_argument("dir", help="the folder to write (must not exist, or be empty)")
    sub.add_argument("--force", action="store_true", help="replace the content of a folder that is not empty")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub.unzipped import export_entry

        path = export_entry(args.name, args.dir, zoo_dir=args.zoo, overwrite=args.force)
        print(f"Exported {args.name} to {path}: load it with keras.saving.load_model({str(path)!r}) "
              "after `import kerazoo`, or upload it with `kerazoo push`.")
        return 0

    return run


@verb("push", "upload a zoo entry to the Hugging Face Hub (hf://org/repo) in the layout of `export`")
def _push(sub):
    sub.add_argument("name", help="a zoo name (or an entry folder / handle)")
    sub.add_argument("handle", help="the model repository, hf://org/repo (created if needed)")
    sub.add_argument("--private", action="store_true", help="create the repository as private")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub.hf import push

        url = push(args.name, args.handle, zoo_dir=args.zoo, private=args.private or None)
        print(f"Pushed {args.name} to {args.handle} ({url}): load it with "
              f"kerazoo.load({args.handle!r}) or keras.saving.load_model({args.handle!r}).")
        return 0

    return run


@verb("verify", "check every file's sha256, and run each SavedModel signature of the entries "
      "pinned by the package's registry")
def _verify(sub):
    sub.add_argument("name", nargs="?", help="one zoo name (default: every entry)")
    sub.add_argument("--no-run", action="store_true", help="check hashes only")
    sub.add_argument(
        "--run-untrusted-signatures", action="store_true",
        help="also run the SavedModel signatures of entries whose files are not the ones pinned "
        "by the package's registry (your own or a third party's: a SavedModel's graph can do "
        "anything a TensorFlow program can, such as write files). By default such entries "
        "get their hashes checked only",
    )
    _zoo_arg(sub)

    def run(args):
        from kerazoo.hub import list_models, verify_report

        names = [args.name] if args.name else list_models(args.zoo)
        if not names:
            print("The zoo has no models to verify.")
            return 0
        failed = skipped = 0
        for i, name in enumerate(names, 1):
            print(f"[{i}/{len(names)}] {name} ... ", end="", flush=True)
            try:
                report = verify_report(name, args.zoo, run_signatures=not args.no_run,
                                       run_untrusted_signatures=args.run_untrusted_signatures)
            except Exception as e:  # noqa: BLE001  (report every entry, then fail)
                failed += 1
                print(f"FAILED\n    {type(e).__name__}: {e}")
                continue
            sigs = report["signatures"]
            if sigs is None:
                skipped += not args.no_run
                print(f"ok (hashes)\n    {report['reason']}")
                continue
            shapes = ", ".join(f"{s}{tuple(next(iter(o.values()), ()))}" for s, o in sigs.items())
            print(f"ok (hashes, signatures: {shapes})" if shapes else "ok")
            print(f"    signatures run: {report['reason']}")
        print(f"{len(names) - failed} ok, {failed} failed"
              + (f"; signatures not run for {skipped} entries not pinned by the package's "
                 "registry (--run-untrusted-signatures runs them)" if skipped else ""))
        return 1 if failed else 0

    return run


@verb("train", "re-create a zoo entry from its job file (tuning/NAME.toml)")
def _train(sub):
    sub.add_argument("job", help="a job file, e.g. tuning/rbm.fashion_mnist.toml")
    sub.add_argument("--publish", metavar="NAME", help="publish the trained model as NAME")
    sub.add_argument("--force", action="store_true",
                     help="with --publish: replace an existing entry NAME (else it is refused "
                     "before training)")
    sub.add_argument("--out", metavar="FILE.keras",
                     help="save the trained model to this .keras file (load it with "
                     "kerazoo.load(FILE.keras), or keras.saving.load_model after "
                     "`import kerazoo.models`)")
    sub.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    sub.add_argument("--subset", type=int, help="train on the first N training examples only")
    sub.add_argument(
        "--checkpoint-dir", default="runs",
        help="where the last good weights are kept during training (default: runs/)",
    )
    _zoo_arg(sub)

    def run(args):
        from kerazoo.recipes import train_job

        from pathlib import Path

        _folder_flag(args.checkpoint_dir, "--checkpoint-dir")
        out = None
        if args.out is not None:  # checked before any training
            if Path(args.out).suffix != ".keras":
                raise ValueError("--out saves the whole model as a Keras file: give a file name "
                                 f"ending in .keras. Received: --out {args.out}")
            out = _file_flag(args.out, "--out", ".keras")
            if out.exists() and not out.is_file():
                raise ValueError(f"--out {out} exists and is not a file.")
        result = train_job(
            args.job, publish=args.publish, zoo_dir=args.zoo, epochs=args.epochs,
            subset=args.subset, checkpoint_dir=args.checkpoint_dir, overwrite=args.force,
            verbose=progress_verbosity(),
        )
        print(f"{result.job.name}: trained from {args.job}")
        for key, value in result.metrics.items():
            print(f"  {key}: {value:.6g}" if isinstance(value, float) else f"  {key}: {value}")
        if out is not None:
            _save_keras(result.model, out)
            print(f"saved the model to {out} (kerazoo.load({str(out)!r}); or "
                  "keras.saving.load_model after `import kerazoo.models`)")
        if result.entry is not None:
            print(f"published as {args.publish} in {result.entry} (kerazoo.load({args.publish!r}"
                  + (f", zoo_dir={args.zoo!r}" if args.zoo else "") + "))")
        if out is None and result.entry is None:
            checkpoint = Path(args.checkpoint_dir) / f"{result.job.name}.weights.h5"
            where = (f"its weights are in {checkpoint} (weights only: load them into the model "
                     "built from the job)" if checkpoint.is_file()
                     else "nothing of it was kept")
            print(f"The trained model was not saved: {where}. Give --out FILE.keras to save the "
                  "whole model, or --publish NAME to add it to the zoo.")
        return 0

    return run


def _save_keras(model, path):
    """`model.save(path)`, atomically: a crash leaves the old file or none, never half of one."""
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@verb("tune", "run (or resume) a keras-tuner search around a job's recipe; print the leaderboard")
def _tune(sub):
    sub.add_argument("job", help="a job file, e.g. tuning/ae.fashion_mnist.toml")
    sub.add_argument("--max-trials", type=int, help="trials in all (default: search.max_trials)")
    sub.add_argument("--directory", default="runs/tuning",
                     help="folder of the keras-tuner projects (default: runs/tuning)")
    sub.add_argument("--epochs", type=int, help="epochs per trial (replaces the recipe's)")
    sub.add_argument("--subset", type=int, help="train each trial on the first N examples")
    sub.add_argument("--publish", metavar="NAME",
                     help="retrain with the best trial's values and publish as NAME")
    sub.add_argument("--force", action="store_true",
                     help="with --publish: replace an existing entry NAME (else it is refused "
                     "before the search)")
    sub.add_argument("--tuner", choices=("random", "bayesian", "hyperband"),
                     help="override search.tuner")
    sub.add_argument("--trial-timeout", type=float, default=600.0, metavar="SECONDS",
                     help="chief: requeue a worker's trial after this long without a "
                     "heartbeat (default: 600). Chief and workers: set KERASTUNER_TUNER_ID, "
                     "KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.tuning import run_search

        _folder_flag(args.directory, "--directory")
        run_search(args.job, max_trials=args.max_trials, directory=args.directory,
                   epochs=args.epochs, subset=args.subset, publish=args.publish,
                   zoo_dir=args.zoo, tuner=args.tuner, trial_timeout=args.trial_timeout,
                   overwrite=args.force, verbose=1 if sys.stdout.isatty() else 2)
        return 0

    return run


def _image_args(sub, default_n):
    sub.add_argument(
        "--input", metavar="FILE.npy",
        help="images to use: a .npy of float32 (N, 28, 28, 1) in [0, 1] (default: Fashion-MNIST)",
    )
    sub.add_argument(
        "--split", default="test", choices=("train", "validation", "test"),
        help="the Fashion-MNIST split used without --input (default: test)",
    )
    sub.add_argument("--n", type=int, default=default_n,
                     help=f"use the first N images (default: {default_n or 'all'})")
    sub.add_argument("--batch-size", type=int, default=256, help="images per batch (default: 256)")


def _load_images(args):
    """The images a verb works on, checked, and their labels (None for --input)."""
    import numpy as np

    from kerazoo.utils import check_images

    _positive_flag(args.n, "--n")
    _positive_flag(args.batch_size, "--batch-size")
    if args.input:
        try:
            x = np.load(args.input, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ValueError(f"--input {args.input}: not a readable .npy file ({e})") from None
        # Checked whole, before `--n` slices it: a 0-d or empty array is named, not indexed.
        x = check_images(x, f"--input {args.input}", allow_empty=False)
        labels = None
    else:
        from kerazoo import datasets

        if args.split == "test" and args.n is not None and args.n <= 1000:
            x, labels = datasets.load_fashion_mnist_sample()  # shipped: no download
        else:
            x, labels = datasets.load_fashion_mnist(args.split)
    if args.n is not None:
        x = x[: args.n]
        labels = None if labels is None else labels[: args.n]
    return check_images(x, args.input or f"Fashion-MNIST {args.split} images", allow_empty=False), labels


def _image_method(model, methods):
    """The first of `methods` that an image model has (a recommender's are not of images)."""
    if callable(getattr(model, "recommend", None)):
        return None
    for method in methods:
        if callable(getattr(model, method, None)):
            return method
    return None


def _entries_with(methods, zoo):
    """The zoo's entries whose class (from the index) has one of `methods`, for images."""
    import keras

    import kerazoo.models  # noqa: F401  (registers every class the index names)
    from kerazoo.hub import list_entries

    try:
        records = list_entries(zoo)
    except Exception:  # noqa: BLE001  (a hint only: never hide the real message)
        return []
    names = []
    for name, record in sorted(records.items()):
        cls = keras.saving.get_registered_object(record.get("class") or "")
        if cls is not None and _image_method(cls, methods):
            names.append(name)
    return names


def _load_image_model(name, zoo, verb, methods):
    """(model, method): a zoo model and the first of `methods` it has, else a ValueError
    naming the model, what it lacks and the entries that have it."""
    from kerazoo.hub import load

    model = load(name, zoo)
    method = _image_method(model, methods)
    if method is None:
        lacks = " or ".join(f"`{m}`" for m in methods)
        able = _entries_with(methods, zoo)
        what = "a recommender (it works on ratings, not images)" if callable(
            getattr(model, "recommend", None)) else f"it has no {lacks}"
        raise ValueError(
            f"kerazoo {verb} needs a model with {lacks} of images; {name} is "
            f"{_article(type(model).__name__)} {type(model).__name__}: {what}. Entries that can: "
            f"{', '.join(able) if able else 'none in this zoo'}."
        )
    return model, method


def _article(word):
    return "an" if word[:1].upper() in "AEIOU" else "a"


def _call_batched(model, method, x, batch_size):
    """`model.method(x, batch_size=...)`, or without it where the method has no batch_size."""
    import inspect

    fn = getattr(model, method)
    try:
        takes = "batch_size" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes = False
    return fn(x, batch_size=batch_size) if takes else fn(x)


def _parse_corruption(text):
    from kerazoo.layers.corruption import CORRUPTIONS, check_level

    kind, _, level = text.partition(":")
    if kind not in CORRUPTIONS:
        raise ValueError(
            f"--corrupt must be KIND:LEVEL with KIND one of {sorted(CORRUPTIONS)}. Received: {text!r}"
        )
    try:
        value = float(level) if level else 0.3
    except ValueError:
        raise ValueError(f"--corrupt {text!r}: the level must be a number in [0, 1].") from None
    return kind, check_level(value, "--corrupt level")


@verb("reconstruct", "reconstruct images with a zoo model that has `reconstruct` (autoencoders, "
      "RBMs, the DBN), optionally corrupted first: PNG + .npy")
def _reconstruct(sub):
    sub.add_argument("name", help="a zoo model with `reconstruct`, e.g. dae.fashion_mnist, "
                     "rbm.fashion_mnist, dbn.fashion_mnist")
    _image_args(sub, default_n=16)
    sub.add_argument(
        "--corrupt", metavar="KIND:LEVEL",
        help="corrupt the images first and restore them: gaussian:0.3 (denoising), "
        "block_masking:0.4 (inpainting: known pixels are kept), masking:0.25, salt_and_pepper:0.2",
    )
    sub.add_argument("--seed", type=int, default=0, help="seed of the corruption (default: 0)")
    sub.add_argument("--out", metavar="DIR", help="output folder (default: reconstruct-NAME/)")
    sub.add_argument("--columns", type=int, default=16, help="images per row of the PNG (default: 16)")
    _zoo_arg(sub)

    def run(args):
        import numpy as np

        from kerazoo.applications import block_masks, corrupt, inpaint
        from kerazoo.metrics import mse, psnr
        from kerazoo.viz import reconstruction_grid

        corruption = _parse_corruption(args.corrupt) if args.corrupt else None
        _positive_flag(args.columns, "--columns")
        out = _folder_flag(args.out or f"reconstruct-{args.name}", "--out")
        x, _ = _load_images(args)
        model, _ = _load_image_model(args.name, args.zoo, "reconstruct", ("reconstruct",))
        out = _folder_flag(out, "--out", create=True)
        print(f"{args.name}: reconstructing {len(x)} images ...", flush=True)

        def restore(images):
            return _call_batched(model, "reconstruct", images, args.batch_size)

        rows, labels = [x], ["input"]
        if corruption is None:
            result = restore(x)
            print(f"  mse {mse(x, result):.6f}, psnr {psnr(x, result):.2f} dB")
        else:
            kind, level = corruption
            if kind == "block_masking":
                mask = block_masks(len(x), x.shape[1:], size=level, seed=args.seed)
                corrupted = x * (1.0 - mask)
                result = inpaint(restore, x, mask)
            else:
                corrupted = corrupt(x, kind, level, seed=args.seed)
                result = restore(corrupted)
            np.save(out / "corrupted.npy", corrupted)
            rows.append(corrupted)
            labels.append(f"{kind} {level:g}")
            print(f"  psnr corrupted {psnr(x, corrupted):.2f} dB -> restored {psnr(x, result):.2f} dB")
        rows.append(result)
        labels.append("reconstruction")
        np.save(out / "reconstructions.npy", result.astype(np.float32))
        png = reconstruction_grid(rows, out / "reconstructions.png", labels=labels,
                                  n=min(args.columns, len(x)), title=args.name)
        print(f"wrote {out / 'reconstructions.npy'} ({result.shape}) and {png}")
        return 0

    return run


@verb("encode", "encode images to codes with a zoo model that has `encode` or `transform` "
      "(autoencoders, RBMs, the DBN): .npy (and a map of the codes)")
def _encode(sub):
    sub.add_argument("name", help="a zoo model with `encode` or `transform`, e.g. "
                     "ae.fashion_mnist, rbm.fashion_mnist (hidden probabilities), dbn.fashion_mnist")
    _image_args(sub, default_n=None)
    sub.add_argument("--out", metavar="FILE.npy", help="where to write the codes (default: codes-NAME.npy)")
    sub.add_argument("--map", metavar="FILE.png",
                     help="also draw the codes, coloured by class when known (codes of more "
                     "than 2 dimensions: their first two principal components, PCA)")
    _zoo_arg(sub)

    def run(args):
        from pathlib import Path

        import numpy as np

        out = Path(args.out or f"codes-{args.name}.npy")
        if out.is_dir():
            raise ValueError(f"--out {out} is a folder; give a file name ending in .npy.")
        if out.suffix != ".npy":
            out = out.with_name(out.name + ".npy")  # what np.save writes: say so
        # Every output is checked before anything is computed or written.
        out = _file_flag(out, "--out", ".npy")
        if args.map:
            if Path(args.map).suffix.lower() != ".png":
                raise ValueError(f"--map writes a PNG picture: give a file name ending in .png. "
                                 f"Received: --map {args.map}")
            _file_flag(args.map, "--map", ".png")
        x, labels = _load_images(args)
        model, method = _load_image_model(args.name, args.zoo, "encode", ("encode", "transform"))
        print(f"{args.name}: encoding {len(x)} images ({method}) ...", flush=True)
        codes = np.asarray(_call_batched(model, method, x, args.batch_size))
        codes = codes.reshape(len(codes), -1)
        if args.map and (codes.shape[1] < 2 or len(codes) < 2):
            raise ValueError(f"--map draws codes of 2 or more dimensions for 2 or more images; "
                             f"{args.name} gave {codes.shape[1]}-D codes for {len(codes)} "
                             "image(s) (nothing was written).")
        np.save(out, codes.astype(np.float32))
        print(f"wrote {out} {codes.shape}")
        if labels is not None:
            label_path = out.with_name(out.stem + "-labels.npy")
            np.save(label_path, labels)
            print(f"wrote {label_path} (class ids)")
        if args.map:
            from kerazoo.datasets import FASHION_MNIST_CLASS_NAMES
            from kerazoo.viz import latent_scatter

            ids = labels if labels is not None else np.zeros(len(codes), int)
            names = FASHION_MNIST_CLASS_NAMES if labels is not None else ["images"]
            coords, title, how = codes, args.name, "its 2-D codes"
            if codes.shape[1] != 2:  # as the gallery does: the codes' principal plane
                from kerazoo.viz import principal_plane

                coords, _, _, explained = principal_plane(codes)
                title = f"{args.name} ({codes.shape[1]}-D codes, first two principal components)"
                how = (f"the plane of the {codes.shape[1]}-D codes' first two principal "
                       f"directions (PCA; {100 * explained.sum():.0f}% of their variance)")
            png = latent_scatter(coords, ids, args.map, class_names=names, title=title)
            print(f"wrote {png}: {how}")
        return 0

    return run


def _parse_ratings(texts):
    """`--rating ITEM:STARS` flags as {item: stars}; a movie rated twice is refused."""
    ratings, given = {}, {}
    for text in texts:
        item, sep, stars = text.partition(":")
        if not sep or not item.strip().isdigit() or not stars.strip().isdigit():
            raise ValueError(f"--rating takes ITEM:STARS, e.g. 50:5. Received: {text!r}")
        item = int(item)
        if item in ratings:
            raise ValueError(f"--rating names movie {item} twice ({given[item]}, {text}); "
                             "give each movie one rating.")
        ratings[item], given[item] = int(stars), text
    return ratings


def _cannot_fold_in(name, model, zoo, error):
    """Why `--rating` does not apply to `model`, and the entries that take it."""
    from kerazoo.hub import list_entries

    cls = type(model).__name__
    kind = " (item-based: it reconstructs movies, not users)" if getattr(
        model, "orientation", None) == "item" else ""
    try:
        able = [n for n, r in sorted(list_entries(zoo).items())
                if (r.get("class") or "").endswith(">RBMRecommender")]
    except Exception:  # noqa: BLE001  (a hint only)
        able = []
    return (f"--rating folds in a new user, which {name} cannot: it is {_article(cls)} {cls}"
            f"{kind}. Use --user U with it, or an entry that can fold in a new user: "
            f"{', '.join(able) or 'an RBMRecommender'} (RBMRecommender), or a model trained as "
            f"AutoRec(orientation='user'). ({error})")


@verb("recommend", "recommend movies to a MovieLens-100k user with a zoo recommender")
def _recommend(sub):
    sub.add_argument("name", help="a zoo recommender, e.g. autorec.movielens_100k")
    sub.add_argument("--user", type=int, metavar="U", help="a MovieLens-100k user id, 1..943")
    sub.add_argument(
        "--rating", action="append", default=[], metavar="ITEM:STARS",
        help="instead of --user: a new user's rating of a movie id, e.g. --rating 50:5 "
        "(repeat it; folds the new user in). Only models that can fold in a new user take it: "
        "RBMRecommender (rbm_cf.movielens_100k) and a user-based AutoRec "
        "(AutoRec(orientation='user')); the shipped autorec.movielens_100k is item-based "
        "(I-AutoRec) and cannot: use it with --user",
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
        if args.fold is not None and not 1 <= args.fold <= 5:
            raise ValueError(f"--fold must be one of 1..5. Received: --fold {args.fold} "
                             "(MovieLens-100k's folds are u1..u5).")
        ratings = _parse_ratings(args.rating)
        model = load(args.name, args.zoo)
        if not hasattr(model, "recommend"):
            raise ValueError(f"{args.name} is a {type(model).__name__}, not a recommender.")
        titles = movielens_titles(args.data_dir)
        if args.user is not None:
            fold = args.fold if args.fold is not None else model.history_fold
            history, _ = load_movielens_100k(fold, data_dir=args.data_dir)
            items, preds = model.recommend(args.user, k=args.k, history=history,
                                           exclude_seen=not args.include_seen)
            print(f"{args.name}: top {len(items)} for user {args.user} (history u{fold}.base)")
        else:
            try:
                items, preds = model.recommend_new_user(ratings, k=args.k,
                                                        exclude_seen=not args.include_seen)
            except NotImplementedError as e:
                raise ValueError(_cannot_fold_in(args.name, model, args.zoo, e)) from None
            print(f"{args.name}: top {len(items)} for a new user with {len(ratings)} rating(s)")
        for rank, (item, pred) in enumerate(zip(items, preds), 1):
            print(f"{rank:3d}. {titles[item - 1]}  (movie {item}, predicted {pred:.2f})")
        return 0

    return run


@verb("demo", "write the zoo's gallery (index.html + PNGs): samples, reconstructions, "
      "latent maps with a pointer-over explorer, clusters, recommendations, filters")
def _demo(sub):
    sub.add_argument("--out", metavar="DIR", default=None,
                     help="the gallery folder, created if needed (default: kerazoo-gallery/)")
    sub.add_argument("--model", metavar="NAME", action="append",
                     help="show only this entry (repeat it; default: every entry)")
    _zoo_arg(sub)

    def run(args):
        from kerazoo.demo import DEFAULT_OUT, build_gallery

        out = args.out or DEFAULT_OUT
        _folder_flag(out, "--out")
        result = build_gallery(out, zoo_dir=args.zoo, names=args.model)
        print(f"open {result.index.resolve()}")
        return 1 if result.failures else 0

    return run


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerazoo",
        description="kerazoo: pretrained unsupervised models (RBMs, DBNs, autoencoders, GANs) "
        "for Keras 3. Load them with kerazoo.load(NAME) in Python, or use these verbs.",
    )
    from kerazoo.version import __version__

    parser.add_argument("--version", action="version", version=f"kerazoo {__version__}")
    parser.add_argument(
        "--verbose", action="store_true",
        help="show TensorFlow's start-up messages (hidden unless TF_CPP_MIN_LOG_LEVEL is set)",
    )
    subs = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, (factory, help_text) in VERBS.items():
        sub = subs.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=factory(sub))
    return parser


# Verbs that read the zoo's files only: they never import Keras or TensorFlow.
_LIGHT_VERBS = frozenset({"list", "info", "fetch", "cache"})

# What TensorFlow's native code prints while it starts on a machine without a GPU: absl's
# pre-initialisation notice and the CUDA, cuDNN and CPU-feature probes. Nothing of the user's.
_STARTUP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWE]\d{4} [\d:. ]+\d+ (cudart_stub|cuda_platform|cuda_dnn|cuda_fft|cuda_blas|"
    r"cpu_feature_guard|port|cuda_executor|gpu_device)\.cc:\d+\]"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|oneDNN custom operations are on)"
)


def _start_tensorflow_quietly():
    """Imports TensorFlow (when Keras runs on it) with its native start-up lines filtered.

    TensorFlow's C++ start-up messages are written to file descriptor 2 before
    `TF_CPP_MIN_LOG_LEVEL` takes effect, so they are caught there: stderr goes to a
    temporary file while TensorFlow imports and probes its devices, and every line that is
    not start-up noise (`_STARTUP_NOISE`) is written back.
    """
    import os
    import tempfile

    from kerazoo.utils.backend import configured_backend

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if configured_backend() != "tensorflow":  # JAX: TensorFlow is not imported at all
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except ImportError:
            pass
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        for line in caught.read().decode("utf-8", "replace").splitlines():
            if line.strip() and not _STARTUP_NOISE.match(line):
                print(line, file=sys.stderr)


#: Warnings about kerazoo's own doings, not the user's: a zoo entry carries no optimizer
#: state (Keras warns that it skips loading it), and calling several models (or one on
#: batches of several sizes) retraces tf.functions.
_INTERNAL_WARNINGS = (
    r"Skipping variable loading for optimizer",
    r".*triggered tf\.function retracing",
)
_INTERNAL_LOG_LINES = re.compile(r"triggered tf\.function retracing|Skipping variable loading for optimizer")


class _DropInternalLogLines:
    """A logging filter dropping `_INTERNAL_LOG_LINES` (TensorFlow logs its retracing warning)."""

    def filter(self, record):
        try:
            return not _INTERNAL_LOG_LINES.search(record.getMessage())
        except Exception:  # noqa: BLE001  (a malformed record is let through)
            return True


class _quiet_internals:
    """While a verb runs: the warnings in `_INTERNAL_WARNINGS` are not shown, whether they come
    through `warnings` (Keras) or the `tensorflow` logger; everything else is."""

    def __enter__(self):
        import logging
        import warnings

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        for message in _INTERNAL_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        self._filter = _DropInternalLogLines()
        self._loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "keras")]
        for logger in self._loggers:
            logger.addFilter(self._filter)
        return self

    def __exit__(self, *exc):
        for logger in self._loggers:
            logger.removeFilter(self._filter)
        self._warnings.__exit__(*exc)
        return False


def _is_out_of_memory(error):
    """TensorFlow's ResourceExhaustedError, JAX's RESOURCE_EXHAUSTED, or a MemoryError."""
    return isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError" or (
        type(error).__name__ == "XlaRuntimeError" and "RESOURCE_EXHAUSTED" in str(error))


def _report(verb, message):
    """`kerazoo VERB: message` on stderr, on one line."""
    print(f"kerazoo {verb}: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    import os

    if args.verb not in _LIGHT_VERBS:
        from kerazoo.utils.backend import UnsupportedBackendError, check_backend

        try:  # on PyTorch or NumPy: refused before any data is read or any search starts
            check_backend(f"kerazoo {args.verb}")
        except UnsupportedBackendError as e:
            _report(args.verb, f"{type(e).__name__}: {e}")
            return 1
    if args.verb not in _LIGHT_VERBS and not args.verbose and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        _start_tensorflow_quietly()
    from kerazoo.hub.errors import EntryExistsError, FetchError, IntegrityError, UnknownModelError

    # A job file's JobError is a ValueError; a diverged training's TrainingDivergedError is
    # matched by name so that `list` and `info` need not import kerazoo.callbacks (Keras).
    user_errors = (IntegrityError, UnknownModelError, EntryExistsError, FetchError, ValueError,
                   OSError)
    try:
        with _quiet_internals():
            code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`kerazoo info NAME | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as e:
        if isinstance(e, user_errors) or type(e).__name__ == "TrainingDivergedError":
            # Bad input, a damaged file, a refused publish, a diverged training: a message
            # that names the file, key or flag, not a traceback.
            _report(args.verb, f"{type(e).__name__}: {e}")
            return 1
        if not _is_out_of_memory(e):
            raise
        job = getattr(args, "job", None)
        hint = (f"reduce the sizes in the [model] section or train.batch_size of {job}" if job
                else "use a smaller --batch-size or --n")
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        _report(args.verb, f"out of memory: the model or a batch does not fit in this machine's "
                           f"memory; {hint}. ({type(e).__name__}: {first})")
        return 1


def progress_verbosity():
    """Keras' `verbose` for `fit`: progress bars on a terminal, one line per epoch in a log."""
    return "auto" if sys.stdout.isatty() else 2


if __name__ == "__main__":
    sys.exit(main())
