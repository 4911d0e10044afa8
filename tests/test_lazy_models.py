"""The model classes are defined on first use, and look the same however they are reached."""

import pickle
import subprocess
import sys

import attrs
import pytest

import peerlearn
from peerlearn import models


@pytest.mark.parametrize("name", sorted(models.CLASSES))
def test_each_class_is_an_attrs_class_reached_alike_from_the_package_and_the_public_api(name):
    cls = getattr(models, name)
    assert attrs.has(cls) and cls.__name__ == name
    assert getattr(peerlearn, name) is cls
    assert cls.__module__ == f"peerlearn.models.{models.CLASSES[name]}"
    assert name in dir(models)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchModel"):
        models.NoSuchModel  # noqa: B018
    with pytest.raises(ImportError):
        from peerlearn.models import NoSuchModel  # noqa: F401


def test_a_model_survives_pickling():
    import datetime as dt

    start = dt.datetime(2026, 6, 10, 9, 30, tzinfo=dt.timezone.utc)
    activity = models.Activity(network="pes", kind="workshop", title="Skills", start=start,
                               end=start + dt.timedelta(hours=2))
    assert pickle.loads(pickle.dumps(activity)) == activity


def test_importing_the_package_defines_no_class():
    out = subprocess.run([sys.executable, "-c", "import sys, peerlearn.models as m; m.ACTIVITY_STATUSES;"
                          " print(sorted(n for n in sys.modules if n.startswith('peerlearn.models.')))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    out = subprocess.run([sys.executable, "-c", "import sys; from peerlearn.models import Network;"
                          " print(sorted(n for n in sys.modules if n.startswith('peerlearn.models.')))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['peerlearn.models.fields', 'peerlearn.models.network']"
