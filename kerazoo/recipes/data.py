"""The data splits that several recipes share."""

from kerazoo.datasets import image_loader


def load_image_splits(job):
    """`x_train`, `y_train`, `x_val`, `y_val`, `x_test`, `y_test` of an image job.

    Train = the first 54,000 official training images, validation = the last 6,000;
    `[data] subset = N` keeps the first N training images and at most N / 9 (at least
    100) validation images.
    """
    load = image_loader(job.data["dataset"])
    x_train, y_train = load("train")
    x_val, y_val = load("validation")
    x_test, y_test = load("test")
    subset = job.data.get("subset")
    if subset:
        x_train, y_train = x_train[:subset], y_train[:subset]
        n_val = max(100, subset // 9)
        x_val, y_val = x_val[:n_val], y_val[:n_val]
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val,
            "x_test": x_test, "y_test": y_test}
