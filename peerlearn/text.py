"""What counts as text in the registry, and how text is shown where it could do harm.

The rule, for every field a person types or a file brings in:

- a *one-line* field (a name, a title, a key, a place, a category…) holds
  printable text: no NUL, no control character (C0, DEL, C1) and no line
  break (``\\n``, ``\\r``, U+2028, U+2029);
- a *multi-line* field (a description, a note) may also hold line breaks
  and tabs; a CR LF or a lone CR is stored as LF;
- no field holds a lone surrogate (what Python makes of bytes that are not
  UTF-8, or what a ``\\udfff`` escape in JSON or YAML writes): it is no
  character and cannot be stored;
- a *name* (of a member or a person) is a one-line field normalised to
  Unicode NFC, and names are compared through :func:`name_key`, so ``Café``
  typed with a precomposed ``é`` or with ``e`` and a combining accent is one
  name.

Rows written before the rule may still hold such characters. They load as
:class:`LegacyText`, kept exactly as stored (nothing is lost, and a record
can still be changed in its other fields), and every output deals with
them: :func:`escape_controls` for what is printed on a terminal,
:func:`clean` for calendar feeds and HTML.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import unicodedata
from typing import Any, Callable, Iterator

from .limits import MAX_NUMBER

#: Line breaks a one-line field refuses (CR, LF and Unicode's line and paragraph separators).
LINE_BREAKS = "\n\r\u2028\u2029"
#: C0 controls (less tab and line feed, which a multi-line field accepts), DEL and C1 controls.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
#: Lone surrogates: no character at all. Python makes them of bytes that are not UTF-8 (in arguments, the
#: environment, file names) and JSON or YAML escapes can write them (``"\\udfff"``); they cannot be stored.
SURROGATES = "\ud800-\udfff"
_ONE_LINE_BAD = re.compile(f"[\t\n{_CONTROLS}\u2028\u2029{SURROGATES}]")
_MULTI_LINE_BAD = re.compile(f"[{_CONTROLS}{SURROGATES}]")
_SURROGATE = re.compile(f"[{SURROGATES}]")
#: Everything a terminal could take for a command (every control character and the Unicode line breaks),
#: and what it cannot be sent at all (lone surrogates).
_TERMINAL_BAD = re.compile(f"[\t\n{_CONTROLS}\u2028\u2029{SURROGATES}]")
#: Spaces that are not controls: stripped from the ends of a one-line field.
_SPACES = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_RUNS_OF_SPACES = re.compile(f"[{_SPACES}]{{2,}}")
#: What feeds and HTML show in place of a control character found in an old row.
REPLACEMENT = "\ufffd"

_loading: contextvars.ContextVar[bool] = contextvars.ContextVar("peerlearn_text_loading", default=False)


class LegacyText(str):
    """Text read from the registry that breaks the rule (it was stored before the rule existed).

    It is kept as stored; a model accepts it unchanged, so such a record can
    still be cancelled or moved, while any new value is checked.
    """

    __slots__ = ()


@contextlib.contextmanager
def loading_rows() -> Iterator[None]:
    """Build models from stored rows: text that breaks the rule loads as :class:`LegacyText`."""
    token = _loading.set(True)
    try:
        yield
    finally:
        _loading.reset(token)


def loading() -> bool:
    """Whether models are being built from stored rows (see :func:`loading_rows`)."""
    return _loading.get()


def shown(char: str) -> str:
    """A character as it is written in messages: ``\\x1b``, ``\\n``, ``\\u2028``."""
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as a one-line (or multi-line) field, or None."""
    found = (_MULTI_LINE_BAD if multiline else _ONE_LINE_BAD).search(value)
    if found is None:
        return None
    char, where = found.group(), found.start() + 1
    if _SURROGATE.match(char):
        return f"must be valid text ({unicode_problem(value)})"
    if char in LINE_BREAKS:
        return f"must be a single line (line break {shown(char)} at character {where})"
    return f"must not hold control characters ({shown(char)} at character {where})"


def unicode_problem(value: str) -> str | None:
    """Where ``value`` holds a lone surrogate, what it is (``byte \\xff at character 3``, for a byte that was not
    UTF-8), else None."""
    found = _SURROGATE.search(value)
    if found is None:
        return None
    code, where = ord(found.group()), found.start() + 1
    if 0xDC80 <= code <= 0xDCFF:  # how Python keeps a byte that is not UTF-8 (surrogateescape)
        return f"byte \\x{code - 0xDC00:02x} at character {where} is not UTF-8"
    return f"lone surrogate {shown(found.group())} at character {where}"


def check(value: str, field: str, *, multiline: bool = False) -> str:
    """``value`` if it is acceptable for ``field``; else ValueError naming the field and the character."""
    wrong = problem(value, multiline=multiline)
    if wrong:
        raise ValueError(f"{field} {wrong}")
    return value


def is_number(value: str) -> bool:
    """Whether ``value`` is a whole number written in the digits 0-9 alone (``"12"``; not ``"²"`` nor ``"١٢"``).

    ``str.isdigit`` takes any digit Unicode knows: ``int`` then refuses
    ``"²"`` and reads ``"١٢"`` as 12. A number typed, set in the environment,
    read from a file or found in a file's name counts only in these digits;
    anything else is a name, or an error that says so.
    """
    return value.isascii() and value.isdigit()


def number_in(ref: str | int) -> int | None:
    """The number a reference gives, written ``12`` or ``#12`` (:func:`is_number`); None where it gives a name
    or a key instead.

    A number past :data:`~peerlearn.limits.MAX_NUMBER` is no record's number (SQLite could not
    even be asked for it): it gives None too, so it is simply not found.
    """
    typed = str(ref).strip().lstrip("#")
    if not is_number(typed):
        return None
    number = int(typed)
    return number if number <= MAX_NUMBER else None


def name_key(name: str) -> str:
    """How names are compared: NFC-normalised and case-folded (``Café`` in any form, any case)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


# -- the pieces models are built from -------------------------------------


def _converter(normalise: Callable[[str], str], multiline: bool = False) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, str) or isinstance(value, LegacyText):
            return value
        if _loading.get() and problem(value, multiline=multiline):
            return LegacyText(value)
        return normalise(value)

    return convert


def _strip(value: str) -> str:
    return value.strip(_SPACES)


def _name(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip(_SPACES))


def _person(value: str) -> str:
    return _RUNS_OF_SPACES.sub(" ", _name(value))


def _lines(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    return value.strip()


#: Converters: one-line text (spaces stripped), a name (also NFC), a person's name (inner runs of
#: spaces made one), multi-line text (CR LF and CR made LF, blank space around it stripped: the schedule files
#: trim it, so a description kept with it came back from its own export changed).
one_line = _converter(_strip)
name = _converter(_name)
person_name = _converter(_person)
multi_line = _converter(_lines, multiline=True)


def validator(*, multiline: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator applying the rule to a text field (or to each item of a tuple of texts)."""
    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if _loading.get():
            return
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str) and not isinstance(item, LegacyText):
                check(item, attribute.name, multiline=multiline)

    return validate


# -- showing text ---------------------------------------------------------


def escape_controls(text: str, *, keep: str = "") -> str:
    """``text`` for a terminal: every control character written as an escape (``\\x1b``), bar ``keep``."""
    if not _TERMINAL_BAD.search(text):
        return text
    return _TERMINAL_BAD.sub(lambda found: found.group() if found.group() in keep else shown(found.group()), text)


_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_safe(json_text: str) -> str:
    """JSON text with DEL, C1 controls and U+2028/2029 written as ``\\u`` escapes, as JSON writes C0 ones.

    The same data for any JSON reader; nothing left that a terminal could act on.
    """
    if not _JSON_RAW.search(json_text):
        return json_text
    return _JSON_RAW.sub(lambda found: f"\\u{ord(found.group()):04x}", json_text)


def clean(text: str) -> str:
    """``text`` for a calendar feed or a web page: line ends made LF, other controls replaced by U+FFFD."""
    if not _MULTI_LINE_BAD.search(text) and "\r" not in text:
        return text
    return _MULTI_LINE_BAD.sub(REPLACEMENT, _lines(text))
