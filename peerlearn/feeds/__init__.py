"""Calendar feeds: what each feed holds, its iCalendar text, and where it is published.

What a feed selects (:mod:`.selection`), the sessions it shows beside
activities (:mod:`.events`), VEVENTs and VTIMEZONEs (:mod:`.ical`,
:mod:`.vtimezone`), the cache of serialized events and the assembly of a feed
(:mod:`.blocks`), what changed since the last build (:mod:`.tracking`), the static build
(:mod:`.publish`), the HTTP server (:mod:`.server`) and the URL layout they
share (:mod:`.layout`).
"""
