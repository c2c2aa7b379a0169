"""Augmentation: shifts, rotations and noise against exact references and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from nncourse.augment import add_noise, random_augment, rotate_images, shift_images


def test_shift_moves_pixels_and_fills_with_zero():
    images = np.arange(2 * 4 * 4, dtype=float).reshape(2, 4, 4)
    out = shift_images(images, dx=np.array([1, -2]), dy=np.array([0, 1]))
    np.testing.assert_array_equal(out[0, :, 1:], images[0, :, :-1])
    assert np.all(out[0, :, 0] == 0)
    np.testing.assert_array_equal(out[1, 1:, :-2], images[1, :-1, 2:])
    assert np.all(out[1, 0] == 0) and np.all(out[1, :, -2:] == 0)
    np.testing.assert_array_equal(shift_images(images, 0, 0), images)
    assert np.all(shift_images(images, 4, 0) == 0)            # moved out entirely


def test_flattened_input_keeps_its_shape_and_is_not_changed_in_place():
    flat = np.random.default_rng(0).random((3, 16))
    before = flat.copy()
    out = shift_images(flat, 1, 1)
    assert out.shape == (3, 16)
    np.testing.assert_array_equal(flat, before)
    np.testing.assert_array_equal(out.reshape(3, 4, 4)[:, 1:, 1:],
                                  flat.reshape(3, 4, 4)[:, :-1, :-1])
    with pytest.raises(ValueError, match="image_shape"):
        shift_images(np.zeros((2, 15)), 1, 1)


@pytest.mark.parametrize("angle", [90.0, -90.0, 17.0, -8.5, 211.0])
@pytest.mark.parametrize("shape", [(12, 12), (7, 9)])
def test_rotation_matches_scipy(angle, shape):
    x = np.random.default_rng(1).random((2, *shape)) + 0.5   # no zeros: borders must match
    ours = rotate_images(x, angle, image_shape=shape)
    for i in range(2):
        # the whole image, borders included: zeros outside, interpolated against
        theirs = ndimage.rotate(x[i], angle, reshape=False, order=1, mode="grid-constant")
        np.testing.assert_allclose(ours[i], theirs, atol=1e-12)
    np.testing.assert_allclose(rotate_images(x, 0.0), x)
    if shape[0] == shape[1]:
        np.testing.assert_allclose(rotate_images(x, 90.0), np.rot90(x, 1, axes=(1, 2)),
                                   atol=1e-12)


def test_noise_is_seeded_and_clipped():
    x = np.full((4, 9), 0.95)
    a, b = add_noise(x, 0.2, np.random.default_rng(0)), add_noise(x, 0.2, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    assert a.max() <= 1.0 and a.min() >= 0.0
    np.testing.assert_array_equal(add_noise(x, 0.0, np.random.default_rng(0)), x)
    with pytest.raises(ValueError, match="std must be >= 0"):
        add_noise(x, -0.1, np.random.default_rng(0))


def test_random_augment_reproducible_and_label_preserving_scale():
    x = np.random.default_rng(2).random((5, 28 * 28))
    a = random_augment(x, np.random.default_rng(3))
    b = random_augment(x, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and not np.allclose(a, x)
    one = random_augment(x[:1], np.random.default_rng(3))          # batch of one
    assert one.shape == (1, 784)


def test_rotation_docstring_names_the_scipy_mode_it_matches():
    assert 'mode="grid-constant"' in rotate_images.__doc__
