"""What every command shares: the registry, errors, output and write transactions."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

import click

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ..registry.store import Registry

T = TypeVar("T")
#: Read by the CLI only, and handed to the library as ``Registry.pending_days``.
PENDING_DAYS_ENV = "PEERLEARN_PENDING_DAYS"


class PeerlearnGroup(click.Group):
    """A click group that loads its commands lazily (built-in and plugins' alike) and turns errors into one line."""

    _plugin_generation: int | None = None
    _plugin_commands: frozenset[str] = frozenset()

    def _add_plugin_commands(self, ctx: click.Context) -> None:
        """Add plugins' commands, again whenever the plugins have changed."""
        from .. import plugins
        from ..errors import PeerlearnError

        if ctx.parent is not None or self._plugin_generation == plugins.generation():
            return
        for name in self._plugin_commands:
            self.commands.pop(name, None)
        before = set(self.commands)
        try:
            plugins.register_commands(self)
        except PeerlearnError as error:
            click.echo(f"Warning: {one_line(str(error))}", err=True)
        self._plugin_commands = frozenset(set(self.commands) - before)
        self._plugin_generation = plugins.generation()

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._add_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing of the commands, a built-in command's line written without importing its module.

        The same rows as click writes (see :mod:`.lazy`): a command not loaded
        yet is shown by the first paragraph of its help, cut as click cuts it.
        """
        from gettext import gettext as _

        from .lazy import LazyCommands

        lazy = self.commands if isinstance(self.commands, LazyCommands) else None
        entries: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            summary = lazy.summary(name) if lazy is not None else None
            command = click.Command(name, help=summary) if summary is not None else self.get_command(ctx, name)
            if command is not None and not command.hidden:
                entries.append((name, command))
        if entries:
            limit = formatter.width - 6 - max(len(name) for name, _command in entries)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in entries])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            refuse_undecodable(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            if ctx.parent is not None:
                return super().invoke(ctx)
            with standard_output():
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, BrokenPipeError):
            raise  # a closed pipe ends quietly: see main()
        except Exception as error:  # noqa: BLE001 - every error becomes one line
            raise as_click_error(error, debug=bool(getattr(ctx.obj, "debug", False)),
                                 command=getattr(ctx.obj, "command", None)) from error


def refuse_undecodable(args: list[str]) -> None:
    """Refuse, before any command runs, an argument or a ``PEERLEARN_*`` variable that is not UTF-8.

    Python hands such bytes over as lone surrogates, which no command could
    store, print or send; the error names the option (``--actor=…``, or the
    option just before the value) or the variable. Bytes that are UTF-8,
    which Python read in the locale's ASCII (``LC_ALL=C`` with
    ``PYTHONUTF8=0``), are refused saying so.
    """
    import os

    from ..text import unicode_problem

    for number, arg in enumerate(args, 1):
        wrong = _undecodable(arg)
        if not wrong:
            continue
        option, _, value = arg.partition("=")
        before = args[number - 2] if number > 1 else ""
        if arg.startswith("--") and value and not unicode_problem(option):
            where, wrong = option, _undecodable(value)
        elif before.startswith("-") and not unicode_problem(before):
            where = f"argument {number} (after {before})"
        else:
            where = f"argument {number}"
        raise click.ClickException(one_line(f"{where}: {wrong}"))
    for name, value in sorted(os.environ.items()):
        wrong = _undecodable(value) if name.startswith("PEERLEARN_") else None
        if wrong:
            raise click.ClickException(one_line(f"${name}: {wrong}"))


def _undecodable(text: str) -> str | None:
    """What is wrong with ``text`` as Python read it from the command line or the environment, if anything."""
    import os

    from ..text import unicode_problem

    wrong = unicode_problem(text)
    if wrong:
        try:
            os.fsencode(text).decode("utf-8")
        except (UnicodeError, ValueError):
            return wrong
        return ("holds UTF-8 text, which Python reads here as ASCII (the C locale with PYTHONUTF8=0):"
                " set PYTHONUTF8=1 or a UTF-8 locale")
    return None


def as_click_error(error: Exception, debug: bool = False,
                   command: click.Command | None = None) -> click.ClickException:
    """Turn a library error into ``Error: <one line>``; re-raise the unexpected under --debug.

    An error about a field names it as the ``command``'s option or argument
    that gave it (``--base-url: …``, ``FILE: …``).
    """
    import sqlite3

    from ..errors import PeerlearnError

    if isinstance(error, PeerlearnError):
        text = str(error)
        if getattr(error, "field", None):  # "field: message", perhaps after a location: the field as typed
            text = text.replace(f"{error.field}: ", f"{option_for(command, error.field)}: ", 1)
        return click.ClickException(one_line(text))
    if debug:
        raise error
    if isinstance(error, sqlite3.Error):
        return click.ClickException(one_line(f"database error: {error}"))
    if isinstance(error, OSError) and error.strerror:  # the system refused: what, and where where it says
        return click.ClickException(one_line(system_refusal(error)))
    return click.ClickException(one_line(f"unexpected {type(error).__name__}: {error} (run with --debug for details)"))


def system_refusal(error: OSError) -> str:
    """What the system refused, in words: its reason, the file it names, and for a limit of this process,
    which limit."""
    import errno

    text = error.strerror
    if error.filename is not None:
        text = f"{text}: {error.filename}"
    if error.errno in (errno.EMFILE, errno.ENFILE):
        text += " (too many files open at once: raise the limit, e.g. ulimit -n 1024)"
    return text


def option_for(command: click.Command | None, field: str) -> str:
    """How the user typed ``field``: the command's option (``--base-url``) or argument (``FILE``) of that name.

    A parameter matches by its name, or by its long option spelt as the field
    (``--format`` for ``format``); a field no parameter gave is shown as it is.
    """
    for param in getattr(command, "params", ()):
        long = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
        if param.name == field or f"--{field.replace('_', '-')}" in long:
            if isinstance(param, click.Argument):
                return param.human_readable_name
            return long[0] if long else param.opts[0]
    return field


def one_line(text: str) -> str:
    """``text`` on one line for a terminal: runs of whitespace made one space, control characters escaped."""
    from ..text import escape_controls

    return escape_controls(" ".join(text.split()))


def for_terminal(text: str) -> str:
    """Lines of ``text`` for a terminal: line breaks kept, every other control character escaped (``\\x1b``)."""
    from ..text import escape_controls

    return escape_controls(text, keep="\n")


class Env:
    """Options of the top-level command, passed to every command as ``ctx.obj``."""

    def __init__(self, db_path: str | None, actor: str | None, debug: bool, today: Any = None) -> None:
        self.db_path = db_path
        self.actor = actor
        self.debug = debug
        #: the date ``--today`` (``PEERLEARN_TODAY``) gives, or None for the system's
        self.today_override = today
        #: the command running (its options name the fields of errors); noted when it asks for the registry
        self.command: click.Command | None = None
        #: the registry's file kept from being written over as output, while the command runs
        self._protection: tuple | None = None

    def today(self) -> Any:
        """The date commands take as today: ``--today``, else the system's (the only place the CLI reads it)."""
        import datetime as dt

        return self.today_override or dt.date.today()

    def now(self) -> Any:
        """The moment commands take as now: the system's time, on the ``--today`` date where one is given.

        Only for deciding (whether an activity has started); the change log
        and feeds record the real time.
        """
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc)
        if self.today_override is None:
            return now
        return dt.datetime.combine(self.today_override, now.time(), tzinfo=dt.timezone.utc)

    @property
    def path(self) -> "Path":
        """The registry file: ``--db`` (or ``$PEERLEARN_DB``, which click reads), else the library's default."""
        from pathlib import Path

        from ..registry.store import default_path

        return Path(self.db_path) if self.db_path else default_path()

    @staticmethod
    def pending_days() -> int | None:
        """``$PEERLEARN_PENDING_DAYS``: within how many days of an event the checks report tbc/tbd roles."""
        import os

        from ..errors import ValidationError
        from ..limits import MAX_DAYS
        from ..text import is_number

        text = os.environ.get(PENDING_DAYS_ENV, "").strip()
        if not text:
            return None
        if not is_number(text) or int(text) > MAX_DAYS:
            raise ValidationError(f"${PENDING_DAYS_ENV} must be a whole number of days; got {text!r}"
                                  f" (0 to {MAX_DAYS})")
        return int(text)

    @staticmethod
    def progress(label: str) -> Any:
        """A progress bar on stderr when it is a terminal, else None: see :func:`progress_bar`.

        For plugins' commands, which reach the Env as ``ctx.obj``::

            with ctx.obj.progress("Building the site") as progress:
                build(registry, folder, progress=progress)
        """
        return progress_bar(label)

    def _note_command(self) -> None:
        """Note the command running (its options name the fields of errors), and refuse a registry path that
        names no folder: a relative one where the current folder was removed."""
        import os

        from ..errors import ValidationError

        ctx = click.get_current_context(silent=True)
        if ctx is not None and ctx.parent is not None:
            self.command = ctx.command
        if not os.path.isabs(self.path):
            try:
                os.getcwd()
            except FileNotFoundError:
                raise ValidationError(f"--db: {self.path} is relative to the current folder, which no longer"
                                      " exists; give a full path or change folder") from None

    def report_plugin_failures(self, strict: bool, command: str | None = None) -> None:
        """Warn of plugins that failed to load; refuse to start when plugins contradict each other.

        Two plugins contributing the same network, or a plugin whose
        ``peerlearn_networks`` fails, stop every command at start-up except
        ``peerlearn plugins``, which reports it as a warning so it can be
        diagnosed.
        """
        from .. import plugins
        from ..errors import PluginError

        failures = plugins.failures()
        if failures and strict:
            first = failures[0]
            raise click.ClickException(f"plugin {first.name!r} failed to load: {one_line(first.error)}")
        plugins.warn_failures(lambda line: click.echo(one_line(line), err=True))
        try:
            plugins.networks()
        except PluginError as error:
            if command != "plugins":
                raise click.ClickException(one_line(str(error))) from None
            click.echo(f"Warning: {one_line(str(error))}", err=True)

    @contextmanager
    def registry(self, create: bool = False, initialise_empty: bool = False,
                 upgrade: bool | None = None) -> Iterator["Registry"]:
        """Open the registry for reading (``create`` for commands that write: they also upgrade its schema).

        Where opening upgraded the schema, one line on stderr says where the
        copy of the file was kept. Where the command fails on a registry its
        opening created, the new file is removed (:meth:`Registry.abandon`).
        """
        from ..registry.store import Registry

        self._note_command()
        self._protect_registry()
        pending_days = self.pending_days()  # (a wrong value is refused before the registry is opened)
        registry = Registry.open(self.path, actor=self.actor, create=create, upgrade=upgrade,
                                 initialise_empty=initialise_empty)
        registry.pending_days = pending_days
        if registry.kept_copy:
            note(f"Kept a copy of {registry.path} (schema {registry.upgraded_from}) at {registry.kept_copy}"
                 " before upgrading it.")
        try:
            yield registry
        except BaseException:
            registry.abandon()  # closes it; a registry this command created is removed: there was none before
            raise
        registry.close()

    def _protect_registry(self) -> None:
        """Keep every output of the command off the registry's file, until the command ends.

        Commands read the registry, close it, then write their output: the
        registry's own protection (:mod:`peerlearn.protected`) ends too soon.
        """
        from .. import protected

        ctx = click.get_current_context(silent=True)
        if self._protection is not None or ctx is None:
            return
        self._protection = protected.protect(self.path)
        ctx.call_on_close(self._release_registry)

    def _release_registry(self) -> None:
        from .. import protected

        if self._protection is not None:
            protected.release(self._protection)
            self._protection = None

    @contextmanager
    def new_registry(self, *, replace: bool = False) -> Iterator["Registry"]:
        """A new registry built aside in one transaction, put in place of the registry file when complete.

        For commands that build a whole registry (``peerlearn demo``); see
        ``peerlearn.new_registry``. An existing file is refused unless
        ``replace``. What the block prints on stdout (the command's summary)
        is part of the transaction, as :meth:`write`'s ``report`` is: stdout
        is flushed before the commit, so where it refuses the summary (a full
        disk) nothing is put in place. Warnings are shown, and plugins told of
        the changes, once the new registry is in place.
        """
        from .. import plugins
        from ..registry.staging import new_registry

        self._note_command()
        pending_days = self.pending_days()
        with new_registry(self.path, actor=self.actor, replace=replace) as registry:
            registry.pending_days = pending_days
            with registry.transaction(before_commit=flush_stdout) as changes:
                yield registry
            warnings = list(registry.warnings)
        for warning in warnings:
            note(f"Warning: {one_line(warning)}")
        plugins.notify_changed(changes, lambda line: note(f"Warning: {one_line(line)}"))

    def write(self, action: Callable[["Registry"], T], *, dry_run: bool = False, initialise_empty: bool = False,
              report: Callable[[T], None] | None = None) -> T:
        """Run ``action`` in one transaction; show warnings; tell plugins after commit.

        ``report(result)`` prints what the command did (its confirmation, or
        its ``--json``) as part of the transaction: it is called after
        ``action`` and the plugins' ``peerlearn_before_commit``, and stdout
        is flushed before the commit, so where stdout refuses it (a full disk)
        nothing is written and the command fails with its one line. Should
        the commit itself then fail, the printed confirmation stands above the
        command's error. With ``dry_run`` the changes are listed on stdout and
        rolled back, and ``report`` is not called: what the command says it
        would do comes after the listing. ``initialise_empty`` lets an empty
        file become a registry (``init``).
        """
        from .. import plugins

        def confirm() -> None:
            if report is not None:
                report(result)
            flush_stdout()

        with self.registry(create=True, initialise_empty=initialise_empty) as registry:
            with registry.transaction(dry_run=dry_run, before_commit=confirm) as changes:
                result = action(registry)
            for warning in registry.warnings:
                note(f"Warning: {one_line(warning)}")
            if dry_run:
                click.echo(f"Dry run: nothing written; {len(changes)} change(s) would be recorded:")
                for change in changes:
                    click.echo(f"  {describe_change(change)}")
            for line in registry.notes:
                click.echo(line, err=not dry_run)
            if not dry_run:
                plugins.notify_changed(changes, lambda line: click.echo(f"Warning: {one_line(line)}", err=True))
        return result


def flush_stdout() -> None:
    """Flush standard output: inside a transaction, what it refuses rolls the changes back."""
    import sys

    sys.stdout.flush()


#: What long work calls as it advances: ``progress(done, total)``, ``total`` None where it is not known.
Progress = Callable[[int, "int | None"], None]


def stderr_is_terminal() -> bool:
    """Whether standard error is a terminal (not a pipe, a file, CI's log or a test runner's buffer)."""
    import sys

    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced, or closed
        return False


@contextmanager
def progress_bar(label: str) -> Iterator["Progress | None"]:
    """A progress bar on stderr for long work, as a ``progress(done, total)`` callback for the library.

    Yields None where stderr is not a terminal, so nothing is drawn in a
    pipe, CI or tests, and the library skips its counting; stdout is never
    touched. The bar appears on the first call (a total that changes, as
    work moves to a next stage, resets it) and is redrawn at most ten times
    a second. Commands use it as ``with progress_bar("Importing") as progress:``;
    a plugin's command reaches it through ``ctx.obj.progress(label)``.
    """
    if not stderr_is_terminal():
        yield None
        return
    bar = _Bar(label)
    try:
        yield bar
    finally:
        bar.close()


#: The progress bar on the terminal, if one is being drawn (notes wipe it first).
_DRAWING: list["_Bar"] = []


def _clear_bar() -> None:
    import sys

    if _DRAWING and _DRAWING[0].bar is not None:
        _DRAWING[0].bar._last_line = None  # drawn again in full on its next step
        _DRAWING[0].wiped = True
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


class _Bar:
    """click's progress bar fed by ``(done, total)`` calls; see :func:`progress_bar`."""

    #: seconds between two redraws
    INTERVAL = 0.1

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.drawn = 0.0
        #: whether a note wiped the bar since it was last drawn
        self.wiped = False

    def __call__(self, done: int, total: int | None = None) -> None:
        import sys
        import time

        now = time.monotonic()
        if self.bar is not None and self.bar.length != total:
            self.close()
        _DRAWING[:] = [self]
        if self.bar is None:
            items = None if total is not None else (item for item in ())  # no length: a count, not a bar
            self.bar = click.progressbar(items, length=total, label=self.label, file=sys.stderr,
                                         show_pos=total is None, show_percent=total is not None,
                                         show_eta=total is not None)
            self.bar.__enter__()
        elif now - self.drawn < self.INTERVAL and (total is None or done < total):
            return
        self.drawn = now
        self.wiped = False
        self.bar.update(done - self.bar.pos)
        if total is not None and done >= total:  # finished: what is printed next starts on a line of its own
            self.close()

    def close(self) -> None:
        import sys

        _DRAWING.clear()
        if self.bar is not None and self.wiped:  # a note took its line last: leave the note the last line
            sys.stderr.write("\033[?25h")  # the cursor click hid
            sys.stderr.flush()
            self.bar = None
        if self.bar is not None:
            self.bar.render_progress()
            self.bar.__exit__(None, None, None)
            self.bar = None


def describe_change(change: Any) -> str:
    values = change.after if change.after is not None else change.before
    label = ""
    if isinstance(values, dict):
        label = values.get("title") or values.get("name") or ""
    where = f" [{change.network}]" if change.network else ""
    return one_line(f"{change.action} {change.entity} {change.entity_id}{where}" + (f": {label}" if label else ""))


def pass_env(function: Callable) -> Callable:
    """Pass the :class:`Env` to a command's function, noting the command (see :func:`option_for`)."""
    import functools

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        env = ctx.find_object(Env)
        if env is None:
            raise RuntimeError("peerlearn's commands run under the peerlearn group, which makes the Env")
        env.command = ctx.command
        return ctx.invoke(function, env, *args, **kwargs)

    return command


class FiniteFloatRange(click.FloatRange):
    """A click ``FloatRange`` that also refuses ``nan`` (which no bound can refuse: it compares false to all)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Validate and show what would change; write nothing.")


def echo_json(data: Any) -> None:
    """Print ``data`` as JSON; DEL, C1 controls and Unicode line breaks are ``\\u`` escapes too, like C0."""
    import json

    from ..text import json_safe

    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str)))


def confirmation(as_json: bool, data: Callable[[T], Any], line: Callable[[T], str]) -> Callable[[T], None]:
    """A writing command's ``report`` (see :meth:`Env.write`): ``data(result)`` as JSON with --json, else the line
    ``line(result)``."""

    def report(result: T) -> None:
        if as_json:
            echo_json(data(result))
        else:
            click.echo(line(result))

    return report


def echo_rows(rows: list[dict], as_json: bool, columns: list[str], empty: str = "Nothing to show.",
              shrink: list[str] | None = None) -> None:
    """Print a listing: JSON for scripts with ``--json``, else a table of ``columns`` (see :func:`echo_table`)."""
    if as_json:
        echo_json(rows)
    else:
        echo_table(rows, columns, empty=empty, shrink=shrink)


def echo_table(rows: Iterable[dict], columns: list[str], empty: str = "Nothing to show.",
               shrink: list[str] | None = None) -> None:
    """Print rows as an aligned plain-text table that fits the terminal (notes go to stderr).

    Where the table is wider than ``$COLUMNS`` (or the terminal), the widest
    of the ``shrink`` columns (default: every column) are cut short with
    ``…``; see :mod:`.tables`.
    """
    from .tables import echo_lines, output_width, render

    rows = [{column: _cell(row.get(column)) for column in columns} for row in rows]
    if not rows:
        click.echo(empty, err=True)
        return
    echo_lines(render(rows, columns, output_width(), shrink))


def echo_record(data: dict) -> None:
    """Print one record as ``field: value`` lines."""
    width = max((len(key) for key in data), default=0)
    for key, value in data.items():
        click.echo(f"{key.ljust(width)}  {_cell(value)}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value)
    return one_line(str(value))


def note(message: str) -> None:
    """A message for people, on stderr so stdout stays parseable (control characters escaped).

    A progress bar being drawn is wiped first, and drawn again below on its next step.
    """
    _clear_bar()
    click.echo(for_terminal(message), err=True)


def parse_moment(option: str, text: str, tzname: str):
    """Parse a date typed by a person for ``option``, in ``tzname``; returns (datetime, date_only)."""
    from ..errors import ValidationError
    from ..timeutil import parse_moment as parse

    try:
        return parse(text, tzname)
    except ValueError as error:
        raise ValidationError(f"{option}: {error}") from None


def parse_end(option: str, text: str, start, tzname: str):
    from ..errors import ValidationError
    from ..timeutil import parse_end as parse

    try:
        return parse(text, start, tzname)
    except ValueError as error:
        raise ValidationError(f"{option}: {error}") from None


def parse_day(option: str, text: str | None):
    from ..errors import ValidationError
    from ..timeutil import parse_date

    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise ValidationError(f"{option}: {error}") from None


def build(model: type, option: str, **fields: Any) -> Any:
    """Construct a model, turning a validator's complaint into a ValidationError."""
    from ..errors import ValidationError

    try:
        return model(**fields)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{option}: {error}") from None


def format_option(default: str, formats: str):
    """``--format NAME``: any format a plugin registers for the export (checked when run).

    Without it, ``-o FILE`` picks the format its extension names (``log.html``), else ``default``.
    """
    return click.option("--format", "format_name", metavar="FORMAT",
                        help=f"Output format: {formats}, or one a plugin adds. Default: the format of -o's"
                             f" file extension (log.html: html), else {default}.")


output_option = click.option("--output", "-o", "output", type=click.Path(dir_okay=False, writable=True),
                             help="Write to this file instead of standard output (replaced whole, never half-written;"
                                  " a folder, link, device or pipe is refused).")


def write_export(kind: str, format_name: str | None, records: Any, output: str | None, *, default: str | None = None,
                 **context: Any) -> None:
    """Export ``records`` with the format ``format_name`` to ``output`` (a file) or stdout.

    Without ``format_name``, the format of ``output``'s extension, else
    ``default``. An unknown format fails before anything is written; the
    file is written as :func:`output_stream` writes it.
    """
    from ..reports.exports import export, exporter_for, format_for

    format_name = format_for(kind, format_name, output, default)
    exporter_for(kind, format_name)
    try:
        with output_stream(output) as out:
            export(kind, format_name, records, out, **context)
    finally:
        close = getattr(records, "close", None)
        if callable(close):  # a generator cut short releases its cursor while the registry is open
            close()


@contextmanager
def output_stream(output: str | None) -> Iterator[Any]:
    """Where ``-o`` writes: standard output for None or ``-``, else a file written whole.

    The file is written beside its destination and renamed into place only
    when complete, so an error or a kill leaves the old one (and the next
    export to it removes what the killed one left); a destination
    that exists and is not a regular file (a link, a device, a FIFO, a
    socket) is refused, and an error while writing names the file and the
    cause.
    """
    import sys
    from pathlib import Path

    from ..atomic.files import AtomicFile
    from ..atomic.preparing import remove_leftovers_of
    from ..errors import ValidationError

    if not output or output == "-":
        stream = sys.stdout
        yield stream if isinstance(stream, StandardOutput) else StandardOutput(stream)
        return
    target = Path(output)
    if not target.parent.resolve().is_dir():
        raise ValidationError(f"--output: folder {target.parent} does not exist")
    remove_leftovers_of(target)  # what an export to the same file left when it was killed
    with AtomicFile(target, create_folder=False) as out:
        yield out
    note(f"Wrote {output}.")


class StandardOutput:
    """Standard output whose write errors say so in one line; a closed pipe is left to end quietly.

    Its ``buffer`` (where bytes go) is wrapped the same way.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream if stream is not None else _ClosedOutput()

    def write(self, text: Any) -> int:
        try:  # (inline, not a context manager: a log to standard output writes row by row)
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise output_refused(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise output_refused(error) from None

    @property
    def buffer(self) -> Any:
        return StandardOutput(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def output_refused(error: OSError) -> Exception:
    """The error to report where standard output refused what was written to it."""
    from ..errors import OutputError

    return OutputError(f"cannot write standard output: {error.strerror or error}")


class _ClosedOutput:
    """Standard output that was closed (``>&-``): nothing to flush, and each write refused as the system does."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: Any) -> int:
        import errno
        import os

        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import errno
        import os

        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    @property
    def buffer(self) -> "_ClosedOutput":
        return self


@contextmanager
def standard_output() -> Iterator[None]:
    """Run a command with ``sys.stdout`` as a :class:`StandardOutput`, flushed before the command ends.

    Every printer (tables, ``--json``, confirmations, exports to stdout)
    writes through ``sys.stdout``, so a disk that is full or a device that
    refuses gives one ``Error: cannot write standard output: …``; what is
    still buffered is flushed here, so the same failure cannot pass for a
    success.
    """
    import sys

    stream = sys.stdout
    wrapping = not isinstance(stream, StandardOutput)
    if wrapping:  # (main() wraps it for the whole run; a command run in-process, by tests, is wrapped here)
        sys.stdout = StandardOutput(stream)  # type: ignore[assignment]
    try:
        yield
        sys.stdout.flush()
    finally:
        if wrapping:
            sys.stdout = stream


#: How every command with a time window reads --from, --to and --tz (also in the README).
TZ_HELP = ("Timezone in which --from and --to are read, an IANA name such as Europe/Brussels. Default: the"
           " timezone of the network --network names, else UTC.")


def window_options(what: str, *, from_help: str | None = None, to_help: str | None = None) -> Callable:
    """``--from``, ``--to`` and ``--tz``, worded the same on every command that takes a time window.

    ``what`` names what is chosen (``activities``, ``changes``); the
    command receives ``from_``, ``to`` and ``tz`` and reads them with
    :func:`time_window`.
    """
    options = [
        click.option("--from", "from_", metavar="DATE[ HH:MM]",
                     help=from_help or f"Only {what} ending after this date or time (YYYY-MM-DD [HH:MM], in --tz)."),
        click.option("--to", "to", metavar="DATE[ HH:MM]",
                     help=to_help or f"Only {what} starting before this date or time (in --tz); a date alone includes"
                                          " that day."),
        click.option("--tz", metavar="ZONE", help=TZ_HELP),
    ]

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def window_zone(registry: "Registry", tz: str | None, network: str | None, needed: bool = True) -> str:
    """The zone --from and --to are read in: --tz, else the named network's, else UTC (see :data:`TZ_HELP`).

    Where no window is given (not ``needed``), the network is not looked up
    for a zone nothing will be read in.
    """
    if tz:
        return tz
    if network and needed:
        from ..registry import networks

        return networks.get(registry, network).timezone
    return "UTC"


def time_window(from_: str | None, to: str | None, tzname: str) -> tuple[Any, Any]:
    """--from and --to read in ``tzname``: (start, end), None where not given; a date alone to --to takes its day in.

    An end at or before the start is refused.
    """
    import datetime as dt

    from ..errors import ValidationError
    from ..timeutil import localize, zone

    try:
        zone(tzname)
    except ValueError as error:
        raise ValidationError(f"--tz: {error}") from None
    start = parse_moment("--from", from_, tzname)[0] if from_ else None
    end = None
    if to:
        end, date_only = parse_moment("--to", to, tzname)
        if date_only:
            end = localize(dt.datetime.combine(end.date() + dt.timedelta(days=1), dt.time()), tzname)
    if start and end and end <= start:
        raise ValidationError("--to: the window ends before it starts")
    return start, end
