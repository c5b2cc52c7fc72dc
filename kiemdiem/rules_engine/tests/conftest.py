"""Engine tests need neither Django nor a database; they run with ``-p no:django`` too."""

from __future__ import annotations

import pytest

from kiemdiem.rules_engine import load_pack


@pytest.fixture(scope="session")
def r2019():
    return load_pack("R2019")


@pytest.fixture(scope="session")
def r2023():
    return load_pack("R2023")


@pytest.fixture(scope="session")
def r2025():
    return load_pack("R2025")


@pytest.fixture(scope="session")
def nd90():
    return load_pack("ND90-48")


@pytest.fixture(scope="session")
def nd335():
    return load_pack("ND335")
