"""The registry: the SQLite file and the records it keeps — the lowest layer of peerlearn.

Opening and migrating the file (:mod:`.store`, :mod:`.migrations`), turning
models into rows and back (:mod:`.records`), and reading and writing
networks, members, activities, participation and the change log. Nothing
here knows of agendas, feeds or reports, which are built on top of it.
"""
