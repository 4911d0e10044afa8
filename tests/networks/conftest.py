import pytest


@pytest.fixture
def env(env):
    """The parent ``env`` with its registry created, so a refused command's fingerprint is comparable."""
    result = env.run("init")
    assert result.exit_code == 0, result.output
    return env
