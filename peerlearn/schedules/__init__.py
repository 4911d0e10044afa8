"""Programmes that travel: the conference schedule format, released versions, and what changed.

- :mod:`.snapshot` — an activity's public programme as data (the working
  programme, or a released version), with each session's stable ``guid``;
- :mod:`.guids` — where those guids come from;
- :mod:`.writer` — the frab/pentabarf ``schedule.json`` and ``schedule.xml``;
- :mod:`.reader` and :mod:`.importer` — reading such a file written by any
  system, and bringing an activity's programme in line with it;
- :mod:`.versions` — released, named versions of a programme;
- :mod:`.diff` — what changed between two versions;
- :mod:`.announce` — the Atom feed announcing each release.

It sits above the agenda (:mod:`peerlearn.agenda.sessions`, :mod:`peerlearn.agenda.programme`)
and uses its functions to write; the CLI and the website sit above it.
"""
