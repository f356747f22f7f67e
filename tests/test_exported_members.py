"""The public surface is exactly what storydiff/__init__.py lists."""

import storydiff


def test_all_is_sorted():
    assert storydiff.__all__ == sorted(storydiff.__all__)


def test_all_matches_public_names():
    public = {
        name
        for name, value in vars(storydiff).items()
        if not name.startswith("_") and getattr(value, "__module__", "storydiff").startswith("storydiff")
        and not isinstance(value, type(storydiff))
    }
    assert public | {"__version__"} == set(storydiff.__all__)
