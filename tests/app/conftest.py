"""Fixtures app tests share with the engine tests: the recorder that checks every event
order, and a plain asyncio runner."""

from tests.components.conftest import recorder, run  # noqa: F401 - fixtures, found by name
