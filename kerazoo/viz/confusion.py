"""The clustering confusion matrix picture (matplotlib, Agg)."""

from pathlib import Path

import numpy as np

from kerazoo.metrics.clustering import cluster_to_class_map, clustering_accuracy, contingency_table


def confusion_matrix_plot(y_true, y_pred, path, class_names=None, title=None):
    """Writes a PNG of true classes (rows) against clusters (columns) and returns its path.

    Columns are the clusters ordered by the class each is matched to (Hungarian
    matching), so a perfect clustering is diagonal; rows are normalized to sum to 1.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table, clusters, classes = contingency_table(y_true, y_pred)
    mapping = cluster_to_class_map(y_true, y_pred)
    rank = {c: (mapping.get(int(c), len(classes) + 1), int(c)) for c in clusters}
    order = sorted(range(len(clusters)), key=lambda i: rank[clusters[i]])
    counts = table[order].T  # rows: classes, columns: clusters
    frac = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    acc = clustering_accuracy(y_true, y_pred)
    # Constrained layout and a tight bounding box keep the long class names and the
    # axis titles inside the picture (tight_layout clipped the y-axis title).
    fig, ax = plt.subplots(figsize=(8, 6.5), layout="constrained")
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(frac.shape[0]):
        for j in range(frac.shape[1]):
            ax.text(j, i, f"{frac[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if frac[i, j] > 0.5 else "black")
    labels = [class_names[int(k)] if class_names is not None else str(k) for k in classes]
    ax.set_yticks(range(len(classes)), labels)
    ax.set_xticks(range(len(clusters)), [str(int(clusters[i])) for i in order])
    ax.set_xlabel("cluster id (ordered by matched class)")
    ax.set_ylabel("true class")
    ax.set_title(f"{title + ': ' if title else ''}accuracy {acc:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046)
    path = Path(path)
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
    return path
