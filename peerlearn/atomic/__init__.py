"""Writing files so that a reader never sees one half-written, and only where they belong.

Everything peerlearn publishes (feeds, exports, the website) is written to a
temporary file beside its destination (or, for a new folder filled at once,
into a temporary folder beside it) and renamed over it only when complete.
Each module does one part of it:

- :mod:`.places`: where outputs may go: the output folders, and the checks
  that refuse a destination that is not a regular file, or a path through
  a symbolic link inside an output folder;
- :mod:`.temporary`: temporary files and folders: how they are named,
  locked while written, and removed;
- :mod:`.folders`: folders created open to all, and removed when emptied;
- :mod:`.batches`: :func:`~.batches.batch`, files written and removed
  together, all at once or not at all, and :func:`~.batches.remove_file`;
- :mod:`.preparing`: :func:`~.preparing.prepare_folder`, which every build
  calls first, and the removal of what killed builds left;
- :mod:`.files`: :func:`~.files.write_atomic`, :func:`~.files.splice_atomic`
  and :class:`~.files.AtomicFile`, a file written whole;
- :mod:`.new_folder`: :class:`~.new_folder.NewFolder`, a folder filled whole.

Each module imports only modules listed above it.
"""
