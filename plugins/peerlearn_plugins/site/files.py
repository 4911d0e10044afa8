"""Writing the site's files: atomically, only when changed, never deleting anything."""

from peerlearn.atomic import write_atomic as write_if_changed

__all__ = ["write_if_changed"]
