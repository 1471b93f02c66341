import numpy as np
import pytest


def planted_ratings(n_users=120, n_items=40, density=0.5, seed=0):
    """Ratings from a planted two-group model, drawn with a fixed seed.

    User u has a taste s_u in {-1, +1} and item i a type t_i in {-1, +1}; the rating is
    round(3 + 1.5 s_u t_i + N(0, 0.3^2)) clipped to 1..5, observed with probability
    `density`. Returns (train, test): int32 (n, 3) arrays [user_id, item_id, rating],
    1-based ids, with every 5th observed rating (in row order) in the test set.
    """
    rng = np.random.default_rng(seed)
    s = rng.choice([-1, 1], size=n_users)
    t = rng.choice([-1, 1], size=n_items)
    full = np.clip(np.round(3 + 1.5 * np.outer(s, t) + rng.normal(0, 0.3, (n_users, n_items))), 1, 5)
    observed = rng.random((n_users, n_items)) < density
    users, items = np.nonzero(observed)
    rows = np.stack([users + 1, items + 1, full[users, items]], axis=1).astype(np.int32)
    is_test = np.arange(len(rows)) % 5 == 0
    return rows[~is_test], rows[is_test]


@pytest.fixture(scope="session")
def planted():
    return planted_ratings()
