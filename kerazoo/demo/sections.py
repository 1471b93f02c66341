"""The gallery's sections. Every section picks its models by what they can do (`sample`,
`reconstruct`, `encode` + `decode`, `recommend`, cluster ids or class probabilities from
`predict`, first-layer weights over the pixels), never by name, so a new zoo entry shows
up wherever it fits.

Each function takes the `Gallery`, the loaded `Entry`s and the `DemoImages`, and adds its
pictures; a picture that fails is reported by the gallery and the rest go on.
"""

import dataclasses
import json
import re

import numpy as np

from kerazoo.demo.gallery import escape

N_SAMPLES = 36
SAMPLE_SEED = 0
EXPLORER_CELLS = 24  # the latent explorer's grid: 24 x 24 decoded images
EXPLORER_ZOOM = 4  # a 28-pixel tile is shown 112 pixels wide
NOISE_SIGMA = 0.3  # as in the denoising autoencoders' cards
HOLE_SIZE = 0.4
#: Interpolation endpoints: (class, class) pairs of Fashion-MNIST test images.
INTERPOLATION_CLASSES = ((0, 3), (7, 9), (1, 8))
SAMPLE_USER = 1


@dataclasses.dataclass
class Entry:
    """A loaded zoo entry: its model, card metrics and one-line summary."""

    name: str
    model: object
    metrics: dict
    summary: str = ""
    codes: object = None  # the test images' codes, filled by the first section that encodes

    def can(self, method):
        return callable(getattr(self.model, method, None))

    @property
    def is_recommender(self):
        return self.can("recommend")

    @property
    def has_code_space(self):
        """An encoder whose codes are drawn on maps: `encode`, but not the feature
        extractors (RBM/DBN hidden units, with the scikit-learn alias `transform`;
        classifiers' `features`), which are shown by their filters and predictions."""
        return self.can("encode") and not (self.can("transform") or self.can("features"))

    @property
    def is_autoencoder(self):
        """`encode`, `decode` and `reconstruct`: denoising and inpainting apply."""
        return all(self.can(m) for m in ("encode", "decode", "reconstruct"))


@dataclasses.dataclass
class DemoImages:
    """Labelled test images: `x`, `y` (all, for accuracies) and `x_map` (a subset for maps)."""

    x: np.ndarray
    y: np.ndarray
    source: str
    class_names: tuple
    n_map: int = 1024

    @property
    def x_map(self):
        return self.x[: self.n_map]

    @property
    def y_map(self):
        return self.y[: self.n_map]

    def one_per_class(self):
        """Indices in `x_map` of its first image of each class, in class order."""
        return np.array([int(np.flatnonzero(self.y_map == c)[0]) for c in np.unique(self.y_map)])


def fmt(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return escape(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"


def card_line(entry):
    """The entry's card metrics as one HTML line (per-fold ones left to the fold charts)."""
    metrics = entry.metrics
    names = [k for k in sorted(metrics) if not re.search(r"_u\d+$", k)]
    parts = ", ".join(f"{escape(k)} <b>{fmt(metrics[k])}</b>" for k in names)
    return f'<p class="card"><code>{escape(entry.name)}</code> card: {parts or "no metrics"}</p>'


def codes_of(entry, data):
    if entry.codes is None:
        codes = np.asarray(entry.model.encode(data.x_map), np.float32)
        if codes.ndim != 2:
            raise ValueError(f"{entry.name}.encode returned shape {codes.shape}, not (N, D).")
        entry.codes = codes
    return entry.codes


def _limits(coords, lo=0.01, hi=0.99, margin=0.05):
    a, b = np.quantile(coords, lo, axis=0), np.quantile(coords, hi, axis=0)
    pad = (b - a) * margin
    return (float(a[0] - pad[0]), float(b[0] + pad[0]), float(a[1] - pad[1]), float(b[1] + pad[1]))


def _map_coords(entry, data):
    """(coords (N, 2), origin, basis, how): the 2-D map of an encoder's codes."""
    from kerazoo.viz import principal_plane

    codes = codes_of(entry, data)
    if codes.shape[1] == 2:
        return codes, None, None, "its 2-D code"
    coords, origin, basis, explained = principal_plane(codes)
    space = "latent (posterior means)" if entry.can("sample") else "code"
    how = (f"the plane of its first two principal directions ({codes.shape[1]}-D {space}; "
           f"{100 * explained.sum():.0f}% of the test codes' variance)")
    return coords, origin, basis, how


# --------------------------------------------------------------------------- sections


def explorer(gallery, entries, data):
    """Duhaime's latent explorer: pointer over a 2-D map -> the image decoded there."""
    from kerazoo.viz import latent_hover_grid, latent_scatter

    section = gallery.section(
        "explorer", "Latent explorer",
        "Move the pointer over a map: the image the decoder draws at that point appears on "
        "its right (after Douglas Duhaime, <i>Visualizing latent spaces</i>). Points are test "
        f"images coloured by class; the decoded images are a precomputed {EXPLORER_CELLS} x "
        f"{EXPLORER_CELLS} grid (one sprite PNG), no server needed.",
    )
    for entry in entries:
        if entry.is_recommender or not (entry.can("encode") and entry.can("decode")):
            continue
        dim = _code_dim(gallery, entry, data, section)
        if dim is None or (dim != 2 and not entry.can("sample")):
            continue  # deterministic codes of > 2 dims: off the codes' plane is off the manifold
        mapped = gallery.attempt(f"{entry.name} map", lambda: _map_coords(entry, data), section)
        if mapped is None:
            continue
        coords, origin, basis, how = mapped
        limits = _limits(coords)
        stem = f"hover-{entry.name}"
        ok = gallery.picture(section, f"{stem}-map.png", lambda p: latent_scatter(
            coords, data.y_map, p, class_names=data.class_names, limits=limits, bare=True,
            max_points=len(coords)), show=False)
        info = {}

        def sprite(path):
            info.update(latent_hover_grid(entry.model.decode, limits, path, n=EXPLORER_CELLS,
                                          origin=origin, basis=basis))
            info.update(model=entry.name, map=f"{stem}-map.png", plane=how)
            gallery.write_text(f"{stem}.json", json.dumps(info, indent=1))

        ok = gallery.picture(section, f"{stem}-sprite.png", sprite, show=False) and ok
        if ok:
            section.add_html(_explorer_widget(entry, stem, info) + card_line(entry))


def _code_dim(gallery, entry, data, section):
    codes = gallery.attempt(f"{entry.name}.encode", lambda: codes_of(entry, data), section)
    return None if codes is None else codes.shape[1]


def _explorer_widget(entry, stem, info):
    n, (h, w) = info["n"], info["tile"]
    tw, th = w * EXPLORER_ZOOM, h * EXPLORER_ZOOM
    limits = ",".join(f"{v:.6g}" for v in info["limits"])
    return (
        f'<h3>{escape(entry.name)}: {escape(info["plane"])}</h3>\n<div class="explorer">'
        f'<img class="hover-map" src="{stem}-map.png" width="480" height="480" alt="map of '
        f'{escape(entry.name)}" data-n="{n}" data-limits="{limits}" data-target="{stem}">'
        f'<div><div class="decoded" id="{stem}" style="width:{tw}px;height:{th}px;'
        f"background-image:url('{info['sprite']}');background-size:{n * tw}px {n * th}px\">"
        f'</div><p class="at" id="{stem}-at">pointer over the map</p></div></div>'
    )


def samples(gallery, entries, data):
    from kerazoo.viz import image_grid

    section = gallery.section("samples", "Samples of the generative models",
                              f"{N_SAMPLES} images from <code>model.sample</code> of every "
                              "entry that has one.")
    for entry in entries:
        if entry.is_recommender or not entry.can("sample"):
            continue
        # One calling convention: sample(n, *, seed=None, <the family's extras>).
        call = f"{N_SAMPLES}, seed={SAMPLE_SEED}"
        gallery.picture(
            section, f"samples-{entry.name}.png",
            lambda p, e=entry: image_grid(e.model.sample(N_SAMPLES, seed=SAMPLE_SEED), p, ncols=6,
                                          title=f"{e.name}.sample({call})"),
            caption=f"<code>{escape(entry.name)}.sample({call})</code>" + card_line(entry),
        )


def reconstructions(gallery, entries, data):
    """Reconstructions of every model with `reconstruct`; denoising and inpainting by the
    autoencoders (`encode` + `reconstruct`). PSNRs measured on the map images."""
    from kerazoo.applications import block_masks, corrupt, inpaint
    from kerazoo.metrics import psnr
    from kerazoo.viz import reconstruction_grid

    section = gallery.section(
        "reconstruction", "Reconstruction, denoising and inpainting",
        f"One test image per class. PSNR (dB) measured here on {data.n_map} test images "
        "next to the card's number.")
    shown = data.one_per_class()
    x = data.x_map
    models = [e for e in entries if e.can("reconstruct") and not e.is_recommender]
    autoencoders = [e for e in models if e.is_autoencoder]
    noisy = corrupt(x, "gaussian", NOISE_SIGMA, seed=0)
    mask = block_masks(len(x), x.shape[1:], size=HOLE_SIZE, seed=0)
    tasks = [
        ("reconstructions.png", models, "original", x, lambda e: e.model.reconstruct(x),
         "test_psnr"),
        ("denoising.png", autoencoders, f"noise sigma {NOISE_SIGMA}", noisy,
         lambda e: np.clip(e.model.reconstruct(noisy), 0, 1), "denoised_psnr"),
        ("inpainting.png", autoencoders, f"{HOLE_SIZE:.0%} square hidden", x * (1 - mask),
         lambda e: inpaint(e.model.reconstruct, x, mask), "inpainted_psnr"),
    ]
    for filename, group, input_label, inputs, restore, card_key in tasks:
        if not group:
            continue
        rows, labels, table = [x[shown]], ["original"], []
        if inputs is not x:
            rows.append(inputs[shown])
            labels.append(f"{input_label}\n{psnr(x, inputs):.1f} dB")
        for entry in group:
            out = gallery.attempt(f"{filename}: {entry.name}", lambda: restore(entry), section)
            if out is None:
                continue
            value = psnr(x, out)
            rows.append(np.asarray(out)[shown])
            labels.append(f"{entry.name.split('.')[0]}\n{value:.1f} dB")
            table.append((entry, value, entry.metrics.get(card_key)))
        gallery.picture(
            section, filename,
            lambda p, r=rows, lb=labels: reconstruction_grid(r, p, labels=lb, n=len(shown)),
            caption=_psnr_table(table, card_key),
        )


def _psnr_table(rows, card_key):
    lines = "".join(
        f"<tr><td><code>{escape(e.name)}</code></td><td>{here:.2f}</td>"
        f"<td>{'' if card is None else fmt(card)}</td></tr>" for e, here, card in rows)
    return (f"<table><tr><th>model</th><th>PSNR here (dB)</th><th>card "
            f"<code>{card_key}</code></th></tr>{lines}</table>")


def latent_maps(gallery, entries, data):
    """Maps of every encoder's codes with thumbnails, decoded grids, interpolations."""
    section = gallery.section(
        "latent", "Latent spaces",
        "Test images' codes coloured by class, with some images drawn at their codes: 2-D "
        "codes directly, larger ones through PCA (their first two principal directions). "
        "Then images decoded on a grid over two latent dimensions, and interpolations "
        "between the codes of two test images.")
    for entry in entries:
        if entry.is_recommender or not entry.has_code_space:
            continue
        mapped = gallery.attempt(f"{entry.name} map", lambda: _map_coords(entry, data), section)
        if mapped is None:
            continue
        _code_map(gallery, section, entry, data, coords=mapped[0], how=mapped[3])
        if entry.can("decode"):
            _decoded_grid(gallery, section, entry)
            _interpolations(gallery, section, entry, data)


def _code_map(gallery, section, entry, data, coords, how):
    from kerazoo.viz import latent_scatter

    axes = ("code 1", "code 2") if coords is entry.codes else ("PC 1", "PC 2")

    def draw(path):
        latent_scatter(coords, data.y_map, path, class_names=data.class_names,
                       title=f"{entry.name}: test codes", thumbnails=data.x_map,
                       limits=_limits(coords), axis_labels=axes)

    gallery.picture(section, f"map-{entry.name}.png", draw,
                    caption=f"<code>{escape(entry.name)}</code>: {escape(how)}" + card_line(entry))


def _decoded_grid(gallery, section, entry):
    """A 2-D code space: decoded over the codes' range; a prior: over its two most used
    latent dimensions (deterministic codes of more dims have no plane worth decoding)."""
    from kerazoo.viz import latent_grid, latent_manifold

    codes, name = entry.codes, escape(entry.name)
    if codes.shape[1] == 2:
        gallery.picture(
            section, f"manifold-{entry.name}.png",
            lambda p: latent_manifold(entry.model.decode, codes, p,
                                      title=f"{entry.name}: decoded grid"),
            caption=f"<code>{name}</code>: images decoded on a grid over the 2-D code space "
            "(between the 2% and 98% quantiles of the test codes)")
    elif entry.can("sample"):
        dims = tuple(int(d) for d in np.argsort(-codes.var(axis=0))[:2])
        gallery.picture(
            section, f"latent-grid-{entry.name}.png",
            lambda p: latent_grid(entry.model, codes.shape[1], path=p, dims=dims,
                                  title=f"{entry.name}: latent dims {dims[0]}, {dims[1]}"),
            caption=f"<code>{name}</code>: a grid over latent dimensions {dims[0]} and "
            f"{dims[1]} (the two whose posterior means vary most over the test images) at "
            "the prior's 5%..95% quantiles, the others at 0")


def _interpolations(gallery, section, entry, data):
    """Between the codes of test images of two classes: slerp under a Gaussian prior
    (models with `sample`), else linear."""
    from kerazoo.viz import interpolation_grid

    codes = entry.codes
    pairs = [(codes[np.flatnonzero(data.y_map == a)[1]], codes[np.flatnonzero(data.y_map == b)[1]])
             for a, b in INTERPOLATION_CLASSES]
    method = "slerp" if entry.can("sample") else "linear"
    classes = ", ".join(f"{data.class_names[a]} to {data.class_names[b]}"
                        for a, b in INTERPOLATION_CLASSES)
    gallery.picture(
        section, f"interpolation-{entry.name}.png",
        lambda p: interpolation_grid(entry.model, pairs, n=10, path=p, method=method,
                                     title=f"{entry.name}: {method} interpolation"),
        caption=f"<code>{escape(entry.name)}</code>: {method} interpolation between the codes "
        f"of two test images ({escape(classes)})")


def clusters_and_classes(gallery, entries, data):
    """Confusion matrices of every model whose `predict` gives cluster ids or class
    probabilities for images."""
    from kerazoo.viz.confusion import confusion_matrix_plot

    section = gallery.section(
        "clustering", "Clustering and classification",
        f"True classes against predicted clusters (or classes) on the {escape(data.source)}; "
        "clusters are matched to classes by the Hungarian algorithm, rows sum to 1.")
    for entry in entries:
        if entry.is_recommender or any(entry.can(m) for m in ("reconstruct", "sample", "decode")):
            continue
        kind = gallery.attempt(f"{entry.name}.predict", lambda: _prediction_kind(entry, data),
                               section)
        if kind in (None, "none"):
            continue

        def draw(path, e=entry, k=kind):
            pred = np.asarray(e.model.predict(data.x, batch_size=1000, verbose=0))
            pred = pred.argmax(axis=1) if k == "classes" else pred.astype(int)
            confusion_matrix_plot(data.y, pred, path, class_names=data.class_names,
                                  title=f"{e.name} ({'classifier' if k == 'classes' else 'clusters'})")

        gallery.picture(section, f"confusion-{entry.name}.png", draw, caption=card_line(entry))


def _prediction_kind(entry, data):
    """'clusters' (integer ids (N,)), 'classes' (a score per class (N, n_classes):
    probabilities or logits), or 'none'."""
    if not hasattr(entry.model, "predict"):
        return "none"
    out = np.asarray(entry.model.predict(data.x[:8], verbose=0))
    if out.shape == (8,) and np.issubdtype(out.dtype, np.integer):
        return "clusters"
    if out.shape == (8, len(data.class_names)):
        return "classes"
    return "none"


def recommendations(gallery, entries, data):
    from kerazoo.datasets import load_movielens_100k, movielens_titles
    from kerazoo.viz import fold_metric_chart

    recommenders = [e for e in entries if e.is_recommender]
    if not recommenders:
        return
    section = gallery.section(
        "recommenders", "Recommendations",
        f"Top 10 movies for MovieLens-100k user {SAMPLE_USER}, conditioned on their ratings in "
        "your copy of the data (zoo entries hold weights only); then each model's test RMSE "
        "per fold, from its card.")
    try:
        titles = movielens_titles()
        histories = {}
        rows = []
        for entry in recommenders:
            fold = getattr(entry.model, "history_fold", 1)
            if fold not in histories:
                histories[fold] = load_movielens_100k(fold)[0]
            items, preds = entry.model.recommend(SAMPLE_USER, k=10, history=histories[fold])
            rows.append((entry, fold, items, preds))
    except FileNotFoundError as e:  # DatasetNotFoundError: no copy of MovieLens-100k
        gallery.note("recommendations", f"MovieLens-100k data missing: {e}", section)
    except Exception as e:  # noqa: BLE001
        gallery.fail("recommendations", e, section)
    else:
        fold = rows[0][1]
        section.add_html(_recommendation_table(rows, titles, histories[fold], fold))
    for entry in recommenders:
        folds = {k[-2:]: v for k, v in sorted(entry.metrics.items()) if re.fullmatch(r"rmse_u\d", k)}
        anchors = {o.name: o.metrics["rmse"] for o in recommenders
                   if o is not entry and "rmse" in o.metrics}
        if not folds:
            gallery.note(f"folds-{entry.name}.png", "the card has no per-fold RMSE", section)
            continue
        gallery.picture(section, f"folds-{entry.name}.png", lambda p, f=folds, a=anchors, e=entry:
                        fold_metric_chart(f, p, anchors=a, title=f"{e.name}: test RMSE per fold"),
                        caption=card_line(entry))


def _recommendation_table(rows, titles, history, fold):
    mine = history[history[:, 0] == SAMPLE_USER]
    favourites = mine[np.lexsort((mine[:, 1], -mine[:, 2]))][:10]  # best rated, then by id
    cells = ["<td><b>user {}'s best-rated</b> ({} ratings in u{}.base)<ol>{}</ol></td>".format(
        SAMPLE_USER, len(mine), fold, "".join(
            f"<li>{escape(titles[i - 1])} <small>({r})</small></li>" for _, i, r in favourites))]
    for entry, fold, items, preds in rows:
        cells.append(
            f"<td><b>{escape(entry.name)}</b> (history u{fold}.base)<ol>"
            + "".join(f"<li>{escape(titles[i - 1])} <small>({p:.2f})</small></li>"
                      for i, p in zip(items, preds)) + "</ol></td>")
    return f'<table class="recs"><tr>{"".join(cells)}</tr></table>'


def filters(gallery, entries, data):
    from kerazoo.viz import filter_grid

    section = gallery.section(
        "filters", "First-layer filters",
        "The weights from the 784 pixels to the first 100 hidden units of each model whose "
        "first layer is dense over the pixels (RBM, DBN and dense autoencoders): white "
        "positive, black negative, each filter scaled to its largest weight.")
    for entry in entries:
        if entry.is_recommender:
            continue
        kernel = next((w for w in getattr(entry.model, "weights", [])
                       if len(w.shape) == 2 and w.shape[0] == 784), None)
        if kernel is None:
            continue
        gallery.picture(section, f"filters-{entry.name}.png", lambda p, e=entry, k=kernel:
                        filter_grid(np.asarray(k), p, n_filters=100, ncols=10,
                                    title=f"{e.name}: {k.path}"),
                        caption=card_line(entry))


SECTIONS = (explorer, samples, reconstructions, latent_maps, clusters_and_classes,
            recommendations, filters)
