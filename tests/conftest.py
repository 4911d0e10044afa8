"""Every test gets a temporary registry and only peerlearn's own network plugins.

Third-party plugins installed in the environment are kept out; a test that
wants an entry-point plugin asks for it with ``env.load(...)``.
"""

import pytest

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")


@pytest.fixture
def env(peerlearn_env):
    """Only peerlearn's network plugins, and the demo (a plugin too) to fill a registry."""
    peerlearn_env.load(*NETWORKS, "demo")
    return peerlearn_env


@pytest.fixture
def demo_env(env):
    """A registry filled by ``peerlearn demo``."""
    result = env.run("demo")
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def conference(demo_env):
    """The demo conference, with addresses for a panellist and two registered participants (notices' tests)."""
    import notifying

    return notifying.with_addresses(demo_env)
