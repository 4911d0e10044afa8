"""How large the numbers and how far the dates peerlearn records and reads may go.

One place for the bounds, so that the library's checks and the CLI's
options agree. They are far beyond any real use and well inside what
Python's dates, SQLite's integers and iCalendar's recurrences can hold, so
nothing computed from a value that passed (a feed's horizon, a reminder's
day, a sum of minutes) can overflow.
"""

#: The largest number a record can have: SQLite's largest integer.
MAX_NUMBER = 2**63 - 1
#: The first and the last year of a date or time peerlearn records or reads.
MIN_YEAR = 1900
MAX_YEAR = 2999
#: The most days a count of days may span (a reminder's or a check's look-ahead): a hundred years.
MAX_DAYS = 36_525
#: The most minutes of a role's speaking or pre-recorded time: a week.
MAX_MINUTES = 7 * 24 * 60
#: The most places (an activity's capacity, a country's quota).
MAX_COUNT = 1_000_000
#: The most attempts at sending one message, and the longest wait between two, in seconds.
MAX_RETRIES = 100
MAX_RETRY_DELAY = 3600.0
