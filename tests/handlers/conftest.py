"""Fixtures of the handler tests (started in tests/fixtures/access.py)."""

from tests.fixtures.access import api_binderd, auth_setup, image_prefix, token_secret, ui_binderd  # noqa: F401
