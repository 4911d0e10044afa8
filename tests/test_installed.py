"""A distribution's version is read from the head of its metadata, as importlib.metadata gives it.

Plugins' versions (part of what the feeds' cached events are kept by) and
matplotlib's (part of what a report's charts are kept by) are read this
way on every build that needs them.
"""

from importlib.metadata import distributions, version

import pytest

from peerlearn.installed import installed_version, version_of


def test_every_installed_distributions_version_is_the_one_importlib_metadata_gives():
    found = list(distributions())
    assert any(dist.metadata["Name"] == "peerlearn" for dist in found)
    for dist in found:
        assert version_of(dist) == dist.version, dist.metadata["Name"]


@pytest.mark.parametrize("name", ["matplotlib", "jinja2", "pluggy", "peerlearn", "attrs"])
def test_a_distribution_is_found_by_name(name):
    assert installed_version(name) == version(name)


def test_a_distribution_not_installed_has_no_version():
    assert installed_version("peerlearn-no-such-distribution") == ""
