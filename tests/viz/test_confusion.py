"""The confusion-matrix picture: diagonal order, and every title inside the figure."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from kerazoo.datasets import FASHION_MNIST_CLASS_NAMES  # noqa: E402
from kerazoo.viz.confusion import confusion_matrix_plot  # noqa: E402


def test_titles_inside_the_figure_and_columns_in_matched_order(tmp_path, monkeypatch):
    # 2,000 labels in 10 classes, 60% kept, the rest uniform; clusters are the classes
    # permuted (cluster (c + 3) % 10 holds class c), so the matched order is 3, 4, ..., 2.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 2000)
    pred = (np.where(rng.random(2000) < 0.6, y, rng.integers(0, 10, 2000)) + 3) % 10
    figures = []
    monkeypatch.setattr(plt, "close", lambda fig=None: figures.append(fig))
    path = confusion_matrix_plot(y, pred, tmp_path / "cm.png",
                                 class_names=FASHION_MNIST_CLASS_NAMES, title="dec.fashion_mnist")
    assert path.stat().st_size > 10_000
    (fig,) = figures
    fig.canvas.draw()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str((c + 3) % 10) for c in range(10)]
    width, height = fig.canvas.get_width_height()
    for text in (ax.yaxis.label, ax.xaxis.label, ax.title, *ax.get_yticklabels()):
        box = text.get_window_extent()
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, text
    monkeypatch.undo()
    plt.close(fig)
