"""The core's own plugins, registered through the same hooks as anyone's.

Each module here is one default plugin, named in
:data:`peerlearn.plugins.DEFAULT_PLUGINS`, always loaded and listed by
``peerlearn plugins``: the core's kinds of activity (:mod:`.kinds`), its rules
(:mod:`.rules`), its iCalendar exporter (:mod:`.calendar`), its export formats
(:mod:`.formats`), its checks of programmes (:mod:`.agenda_checks`) and its
notices (:mod:`.notices`). Like any plugin, each
imports nothing heavy until one of its hooks is called.
"""
