"""The landing fixtures of the expectation tests serve the ``check`` command too."""

from tests.expectations.conftest import clean_landing, land  # noqa: F401
