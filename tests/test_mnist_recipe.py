"""The Keras MNIST recipe trained with nncourse.numpy reaches the expected accuracy."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nncourse.numpy.layers")
pytest.importorskip("nncourse.numpy.losses")

from nncourse.recipes import MNIST_RECIPE, mnist_data, mnist_recipe  # noqa: E402


def test_recipe_split_is_stratified_and_seeded():
    (x_train, y_train), (x_test, y_test) = mnist_data(seed=0)
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    (_, _), (again, _) = mnist_data(seed=0)
    np.testing.assert_array_equal(again, x_test)


@pytest.mark.slow
def test_mnist_recipe_reaches_90_percent_on_the_holdout():
    from threadpoolctl import threadpool_limits

    # One BLAS thread: parallel test workers on few cores otherwise oversubscribe the CPU.
    with threadpool_limits(1):
        model, history, test_accuracy = mnist_recipe(seed=0)
    assert len(history["loss"]) == MNIST_RECIPE["epochs"]
    assert history["loss"][-1] < history["loss"][0]
    assert history.stopped_reason is None
    assert test_accuracy >= 0.90
    assert [name for name, _ in model.named_parameters()] == [
        "1.weight", "1.bias", "3.weight", "3.bias"]
