"""The gallery of the shipped zoo, built once for the tests of tests/demo that read it."""

import io

import pytest

from kerazoo.demo import build_gallery


@pytest.fixture(scope="session")
def gallery(tmp_path_factory):
    """(folder, GalleryResult, progress text) of `build_gallery` over the whole zoo."""
    out = tmp_path_factory.mktemp("gallery")
    progress = io.StringIO()
    result = build_gallery(out, stream=progress)
    return out, result, progress.getvalue()
