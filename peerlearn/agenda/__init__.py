"""Agendas: an activity's programme of sessions and the people on them.

Editing sessions and roles (:mod:`.sessions`), the checks of a programme
(:mod:`.clashes`), programme files (:mod:`.programme`), the timetable and the
order of tracks, and who spoke. Built on :mod:`peerlearn.registry`; feeds,
reports, schedules and notices build on it.
"""
