"""peerlearn's version, apart so that any layer can name it without importing the public API's face."""

#: peerlearn's version (the package's metadata reads it from here).
__version__ = "0.1.0"
