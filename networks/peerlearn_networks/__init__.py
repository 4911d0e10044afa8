"""The first four network plugins of peerlearn, one module per network.

Each module is registered on its own under the entry-point group
``peerlearn`` and imports only peerlearn's public API.
"""
