"""Student's t soft assignment of embedded points to cluster centroids (DEC's kernel)."""

import keras
from keras import ops

from kerazoo.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="kerazoo")
class StudentTAssignment(keras.layers.Layer):
    """Soft cluster assignments q from codes z, with trainable centroids mu.

    The similarity of point i to centroid j is a Student's t kernel with `alpha`
    degrees of freedom, normalized over the clusters (Xie et al., 2016, eq. 1):

        q_ij = (1 + ||z_i - mu_j||^2 / alpha)^(-(alpha + 1) / 2)
               / sum_j' (1 + ||z_i - mu_j'||^2 / alpha)^(-(alpha + 1) / 2).

    Args:
        n_clusters: number of clusters K (at least 2).
        alpha: degrees of freedom of the Student's t kernel (DEC uses 1).

    Input shape: (N, d) codes. Output shape: (N, K), rows summing to 1.
    Weights: `centroids` (K, d), set by `DeepClustering.initialize` (k-means).
    """

    def __init__(self, n_clusters, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.n_clusters = check_positive_int(n_clusters, "n_clusters")
        if self.n_clusters < 2:
            raise ValueError(
                f"`n_clusters` must be at least 2. Received: n_clusters={n_clusters}"
            )
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
            raise ValueError(f"`alpha` must be a positive number. Received: alpha={alpha!r}")
        self.alpha = float(alpha)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"StudentTAssignment expects codes of shape (N, d). Received: input_shape={input_shape}"
            )
        self.centroids = self.add_weight(
            shape=(self.n_clusters, input_shape[-1]),
            initializer="zeros",
            name="centroids",
        )
        self.built = True

    def call(self, z):
        z = ops.cast(z, self.compute_dtype)
        # ||z - mu||^2 = ||z||^2 - 2 z.mu + ||mu||^2, clipped at 0 against round-off.
        dist = (
            ops.sum(ops.square(z), axis=1, keepdims=True)
            - 2.0 * ops.matmul(z, ops.transpose(self.centroids))
            + ops.sum(ops.square(self.centroids), axis=1)[None, :]
        )
        dist = ops.maximum(dist, 0.0)
        kernel = ops.power(1.0 + dist / self.alpha, -(self.alpha + 1.0) / 2.0)
        return kernel / ops.sum(kernel, axis=1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_clusters)

    def get_config(self):
        return {**super().get_config(), "n_clusters": self.n_clusters, "alpha": self.alpha}


def target_distribution(q, frequency=None):
    """DEC's auxiliary target p (Xie et al., 2016, eq. 3): q sharpened, large clusters damped.

        p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j'),    f_j = sum_i q_ij.

    `frequency` is f (any positive scale); by default the column sums of `q` itself.
    """
    if frequency is None:
        frequency = ops.sum(q, axis=0)
    weight = ops.square(q) / ops.maximum(frequency, 1e-12)[None, :]
    return weight / ops.sum(weight, axis=1, keepdims=True)
