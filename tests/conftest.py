"""Test-wide settings.

Hypothesis draws its examples from a fixed seed (``derandomize``), so every run of the suite,
here or in CI, checks exactly the same cases and a failure reproduces. Set
``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples instead.
"""

import os

from hypothesis import settings

settings.register_profile("nncourse", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nncourse"))
