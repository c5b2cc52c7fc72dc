import pytest


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    """Each test keeps its uploads and reports in its own folder."""
    settings.VAR_DIR = tmp_path
