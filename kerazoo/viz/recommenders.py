"""Pictures for the recommender entries (matplotlib, Agg backend)."""

from pathlib import Path


def fold_metric_chart(values, path, anchors=None, title=None, ylabel="test RMSE"):
    """A bar per fold (``{"u1": 0.91, ...}``) with each anchor as a dashed line; writes PNG.

    Args:
        values: ``{fold_label: value}``, drawn in the given order with their mean.
        path: where the PNG goes.
        anchors: optional ``{name: value}`` drawn as horizontal lines.
    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not values:
        raise ValueError("`values` is empty: there is no fold to draw.")
    labels = list(values) + ["mean"]
    heights = list(values.values())
    heights.append(sum(heights) / len(heights))
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    bars = ax.bar(labels, heights, color=["#4c72b0"] * (len(labels) - 1) + ["#dd8452"])
    for bar, h in zip(bars, heights):
        ax.text(bar.get_x() + bar.get_width() / 2, h, f"{h:.3f}", ha="center", va="bottom",
                fontsize=8)
    styles = ["--", ":", "-.", (0, (5, 1, 1, 1))]
    for n, (name, value) in enumerate((anchors or {}).items()):
        ax.axhline(value, color=f"C{(n + 2) % 10}", linestyle=styles[n % len(styles)],
                   linewidth=1.2, label=f"{name}: {value:.3f}")
    lows = heights + list((anchors or {}).values())
    ax.set_ylim(min(lows) * 0.97, max(lows) * 1.02)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    if anchors:
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
