"""`build_gallery`: load the zoo, draw every section, write `index.html`."""

import contextlib
import dataclasses

from kerazoo.demo import page, sections
from kerazoo.demo.gallery import Gallery

DEFAULT_OUT = "kerazoo-gallery"


@dataclasses.dataclass
class GalleryResult:
    """What `build_gallery` wrote: the page, the pictures and what failed."""

    index: object  # Path of index.html
    pictures: list  # file names, in the order drawn
    failures: list  # (what, message)
    notes: list  # (what, message): left out for a known reason
    seconds: float


def build_gallery(out=DEFAULT_OUT, zoo_dir=None, names=None, stream=None):
    """Writes the zoo's gallery: `out/index.html` and its PNGs (see `kerazoo demo --help`).

    Args:
        out: the output folder; created, and checked writable before anything else.
        zoo_dir: the zoo (default: `$KERAZOO_ZOO`, else the repository's `zoo/`).
        names: the entries to show (default: every entry of the zoo).
        stream: where progress goes (default: stdout).

    Returns:
        A `GalleryResult`. An entry that fails to load, or a picture that fails, is
        reported (printed and shown in the page); the rest is still drawn.

    Raises:
        ValueError: `out` cannot be written (checked before anything else).
        UnknownModelError: a name in `names` is not in the zoo.
    """
    gallery = Gallery(out, stream=stream)
    from kerazoo import hub

    zoo = hub.resolve_zoo_dir(zoo_dir)
    available = hub.list_models(zoo)
    names = available if names is None else list(names)
    unknown = [n for n in names if n not in available]
    if unknown:
        from kerazoo.hub.load import unknown_name_error

        raise unknown_name_error(unknown[0], zoo)
    gallery.log(f"gallery of {len(names)} zoo entries from {zoo} -> {gallery.out}")
    data = gallery.attempt("test images", _test_images)
    if data is not None:
        gallery.log(f"test images: {data.source}")
    entries, missing = _load_entries(gallery, names, zoo)
    with _quiet_tensorflow():
        for draw_section in sections.SECTIONS:
            if data is None and draw_section is not sections.recommendations:
                continue
            try:
                draw_section(gallery, entries, data)
            except Exception as e:  # noqa: BLE001  (a section's own bug: report, go on)
                gallery.fail(f"section {draw_section.__name__}", e)
    index = gallery.write_text("index.html", page.render(gallery, entries, data, missing))
    gallery.log(f"wrote {index}: {len(gallery.pictures)} pictures, {len(gallery.failures)} "
                f"failed, {len(gallery.notes)} skipped")
    return GalleryResult(index, list(gallery.pictures), list(gallery.failures),
                         list(gallery.notes), gallery.elapsed())


@contextlib.contextmanager
def _quiet_tensorflow():
    """No retracing warnings while the models see batches of a few sizes (TensorFlow logs them
    through the "tensorflow" logger; nothing is imported here, so JAX runs need no TensorFlow)."""
    import logging

    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


def _test_images():
    """The Fashion-MNIST test set, or the 1,000 images shipped with kerazoo without a copy."""
    from kerazoo import datasets

    try:
        x, y = datasets.load_fashion_mnist("test")
        source = f"Fashion-MNIST test set ({len(x):,} images)"
    except datasets.DatasetNotFoundError:
        x, y = datasets.load_fashion_mnist_sample()
        source = (f"the {len(x):,} Fashion-MNIST test images shipped with kerazoo (no copy of "
                  "the full data set found)")
    return sections.DemoImages(x, y, source, tuple(datasets.FASHION_MNIST_CLASS_NAMES),
                               n_map=min(1024, len(x)))


def _load_entries(gallery, names, zoo):
    from kerazoo import hub
    from kerazoo.hub import index as zoo_index

    entries, missing = [], []
    for i, name in enumerate(names, 1):
        try:
            model = hub.load(name, zoo)
            metadata = hub.entry_metadata(name, zoo)
            metrics = metadata.get("metrics", {})
        except Exception as e:  # noqa: BLE001  (a broken entry is reported, the rest go on)
            gallery.fail(f"load {name}", e)
            missing.append(name)
            continue
        summary = zoo_index.record_for(metadata, None)["summary"]  # from the verified metadata
        entries.append(sections.Entry(name, model, metrics, summary))
        gallery.log(f"[{i}/{len(names)}] loaded {name} ({type(model).__name__})")
    return entries, missing
