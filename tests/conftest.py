import pytest


@pytest.fixture(scope="session")
def sticky_installed():
    """The example third-party plugin, installed into a temporary environment."""
    from tests.thirdparty_env import installed

    with installed() as site:
        yield site
