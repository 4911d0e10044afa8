"""Reports: what a network tells of its year, and the exports that carry it.

The exporters' machinery and the shape of a table (:mod:`.exports`), the
activity log (:mod:`.activity_log`), the yearly report with its charts and
pages (:mod:`.yearly`, :mod:`.charts`, :mod:`.yearly_formats`), the change log
as an export (:mod:`.changes`), the open-data copy of the registry
(:mod:`.public_db`) and the words pages show for slugs (:mod:`.labels`).
"""
