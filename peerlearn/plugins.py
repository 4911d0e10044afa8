"""The plugin manager: the one module that talks to pluggy.

Plugins are found through the entry-point group ``peerlearn`` and loaded
lazily, once, one by one: a plugin that fails to import is recorded and
reported, and the others still work. ``PEERLEARN_LOAD_PLUGINS`` (a
comma-separated allow-list; empty loads none) and
``PEERLEARN_DISABLE_PLUGINS`` (a block-list) are read when loading, not at
import. They are the one place the library reads the environment (every
other variable is read by the CLI and passed down): the plugins load before
any command runs, in the CLI, in an application embedding peerlearn and under
the ``peerlearn_env`` test fixture alike, and the variables must rescue each
from a broken plugin the same way (as ``LLM_LOAD_PLUGINS`` does for LLM). The core's own behaviours are default plugins registered through the
same hooks.

Everything else calls the typed functions below, never ``pm.hook.*`` by
string, so that each call can name the plugin to blame when one fails.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
from collections.abc import Callable, Iterable, Iterator
from importlib import import_module
from importlib.metadata import entry_points
from types import FunctionType, MethodType, ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from . import hookspecs
from .errors import PeerlearnError, PluginError
from .installed import version_of

if TYPE_CHECKING:  # pragma: no cover
    import click

    from .models import Activity, ActivityKind, Change, Exporter, Member, Membership, Network, Problem, Role, Session

ENTRY_POINT_GROUP = "peerlearn"
LOAD_ENV = "PEERLEARN_LOAD_PLUGINS"
DISABLE_ENV = "PEERLEARN_DISABLE_PLUGINS"
STRICT_ENV = "PEERLEARN_STRICT_PLUGINS"

#: What a plugin raises that is its own failure, blamed on it like any other: every exception, and
#: ``SystemExit`` too (a plugin's ``sys.exit()`` must not end the command unexplained, nor skip what
#: peerlearn does about a failing hook); never ``KeyboardInterrupt``: Ctrl-C still stops the command.
PLUGIN_FAULTS = (Exception, SystemExit)

#: The core's own plugins: always loaded, listed by ``peerlearn plugins``.
DEFAULT_PLUGINS = tuple(f"peerlearn.default_plugins.{name}"
                        for name in ("kinds", "rules", "calendar", "formats", "agenda_checks", "notices"))


class LoadFailure(NamedTuple):
    """A plugin that could not be loaded, and why."""

    name: str
    error: str


class PluginInfo(NamedTuple):
    name: str
    version: str | None
    default: bool
    hooks: list[str]


class HookSpecs:
    """What ``peerlearn_addhooks`` hands a plugin: where it adds hook specifications of its own."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    def add_hookspecs(self, module_or_class: object) -> None:
        """Add the hooks marked ``@peerlearn.hookspec`` in ``module_or_class``."""
        self._pm.add_hookspecs(module_or_class)


class _Manager(pluggy.PluginManager):
    """pluggy's manager, quicker to look through a module for hooks.

    pluggy asks :meth:`parse_hookimpl_opts` about every name in a plugin,
    reading each with ``inspect.getattr_static``, and peerlearn asks again
    about every name of its :class:`_Attributed` view of the plugin. A name
    that cannot be a hook is passed over here first, with the same outcome:
    in a module, one that is not a function marked ``@hookimpl`` (the
    imports, the constants, the helpers: most of them), from the module's
    own namespace; in the view, one that is not among the hook functions it
    holds. Start-up of every command pays for this once per plugin.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if isinstance(plugin, _Attributed) and name not in plugin.__dict__:
            return None  # what it holds are the plugin's hook functions; its class's own names are no hooks
        if isinstance(plugin, ModuleType):
            value = vars(plugin).get(name)
            if isinstance(value, FunctionType) and self.project_name + "_impl" not in value.__dict__:
                return None
            if not isinstance(value, (FunctionType, MethodType, classmethod, staticmethod)):
                return None
        return super().parse_hookimpl_opts(plugin, name)


class _Versions(dict):
    """Plugins' versions by name, each read from its distribution only when asked for.

    Something ``peerlearn plugins`` and the feeds' cache need, not every
    command's start-up.
    """

    def get(self, name: str, default: Any = None) -> Any:
        value = super().get(name, default)
        if value is not None and not isinstance(value, str):
            value = self[name] = version_of(value)
        return value


class _Loaded:
    def __init__(self) -> None:
        self.pm = _Manager("peerlearn")
        self.pm.add_hookspecs(hookspecs)
        self.pm.hook.peerlearn_addhooks.call_historic(kwargs={"pluginmanager": HookSpecs(self.pm)})
        self.failures: list[LoadFailure] = []
        self.versions: dict[str, Any] = _Versions()
        self.defaults: set[str] = set()


_loaded: _Loaded | None = None
#: Rises whenever the set of plugins may have changed (see ``generation()``).
_generation = 0


def _names(env: str) -> set[str] | None:
    value = os.environ.get(env)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "").lower() in ("1", "true", "yes", "on")


def _load() -> _Loaded:
    loaded = _Loaded()
    for module_name in DEFAULT_PLUGINS:
        _register(loaded.pm, import_module(module_name), module_name)
        loaded.defaults.add(module_name)
        loaded.versions[module_name] = None
    allow = _names(LOAD_ENV)
    block = _names(DISABLE_ENV) or set()
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        name = entry_point.name
        if (allow is not None and name not in allow) or name in block:
            continue
        if loaded.pm.has_plugin(name):
            loaded.failures.append(LoadFailure(name, "another plugin is already registered under this name"))
            continue
        try:
            plugin = entry_point.load()
            _register(loaded.pm, plugin, name)
        except PLUGIN_FAULTS as error:  # noqa: BLE001 - any import failure is the plugin's
            loaded.failures.append(LoadFailure(name, f"{type(error).__name__}: {error}"))
            continue
        loaded.versions[name] = getattr(entry_point, "dist", None)  # its version is read when asked for
    _drop_unknown_hooks(loaded)
    if loaded.failures and strict():
        first = loaded.failures[0]
        raise PluginError(first.name, None, f"failed to load: {first.error}")
    return loaded


def _drop_unknown_hooks(loaded: _Loaded) -> None:
    """Unload each plugin implementing a hook peerlearn does not have (a misspelt name), as pluggy's
    ``check_pending()`` would find, recording it as a failure that names the plugin and the hook."""
    unknown: dict[str, list[str]] = {}
    for hook_name in sorted(name for name in vars(loaded.pm.hook) if not name.startswith("_")):
        caller = getattr(loaded.pm.hook, hook_name)
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                unknown.setdefault(impl.plugin_name, []).append(hook_name)
    for name, hooks in unknown.items():
        loaded.pm.unregister(name=name)
        loaded.versions.pop(name, None)
        loaded.failures.append(LoadFailure(name, f"it implements {', '.join(hooks)}, which peerlearn does not"
                                                 " have (a misspelt hook name?)"))
    loaded.pm.check_pending()


def manager() -> pluggy.PluginManager:
    """Return the plugin manager, loading the plugins on first use."""
    return _state().pm


def _state() -> _Loaded:
    global _loaded
    if _loaded is None:
        _loaded = _load()
    return _loaded


def reset() -> None:
    """Forget the loaded plugins; the next call loads them again (for tests)."""
    global _loaded, _generation
    _loaded = None
    _generation += 1


def generation() -> int:
    """A number that changes whenever plugins are reset, registered or unregistered."""
    return _generation


def register(plugin: object, name: str | None = None) -> str:
    """Register an extra plugin object (tests, embedding applications)."""
    global _generation
    state = _state()
    registered = _register(state.pm, plugin, name)
    state.versions.setdefault(registered, None)
    _generation += 1
    return registered


def unregister(name: str) -> None:
    global _generation
    state = _state()
    state.pm.unregister(name=name)
    state.versions.pop(name, None)
    _generation += 1


def failures() -> list[LoadFailure]:
    """The plugins that failed to load, in the order they were tried."""
    return list(_state().failures)


def describe() -> list[PluginInfo]:
    """Every loaded plugin with its version and the hooks it implements."""
    state = _state()
    hooks: dict[str, list[str]] = {}
    for hook_name in sorted(name for name in dir(state.pm.hook) if name.startswith("peerlearn_")):
        for impl in getattr(state.pm.hook, hook_name).get_hookimpls():
            hooks.setdefault(impl.plugin_name, []).append(hook_name)
    return [
        PluginInfo(name, state.versions.get(name), name in state.defaults, hooks.get(name, []))
        for name, _plugin in sorted(state.pm.list_name_plugin())
    ]


_impl_cache: dict[str, tuple[int, list]] = {}


def _implementations(hook_name: str) -> list:
    """A hook's implementations in calling order, cached until the plugins change."""
    cached = _impl_cache.get(hook_name)
    if cached is None or cached[0] != _generation or _loaded is None:
        impls = list(reversed(getattr(manager().hook, hook_name).get_hookimpls()))
        cached = _impl_cache[hook_name] = (_generation, impls)
    return cached[1]


def implementers(hook_name: str) -> str:
    """The plugins implementing ``hook_name``, by name, comma-separated: whom to blame for what they left
    behind together (an object they all adjusted in place)."""
    return ", ".join(impl.plugin_name for impl in _implementations(hook_name)) or "unknown"


def implemented(hook_name: str) -> bool:
    """Whether any loaded plugin implements ``hook_name`` (to skip costly preparation)."""
    return bool(_implementations(hook_name))


def _call(hook_name: str, _caller: Any = None, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a hook through pluggy, returning (plugin name, result) pairs in pluggy's order.

    pluggy orders and calls the implementations (last registered first,
    ``tryfirst``/``trylast``, ``wrapper=True`` around the rest,
    ``firstresult``); each implementation is seen through :class:`_Attributed`,
    which notes the result it returns and turns an exception it raises into a
    :class:`PluginError` naming it. ``None`` results are dropped.
    """
    caller = _caller if _caller is not None else getattr(manager().hook, hook_name)
    noted: list[tuple[str, Any]] = []
    token = _noted.set(noted)
    try:
        results = caller(**kwargs)
    except PluginError:
        raise
    except PLUGIN_FAULTS as error:  # noqa: BLE001 - raised in a wrapper: blame it, not the core
        raise PluginError(_culprit(caller, error), hook_name, f"raised {type(error).__name__}: {error}") from error
    finally:
        _noted.reset(token)
    if caller.spec is not None and caller.spec.opts.get("firstresult"):
        results = [] if results is None else [results]
    pairs = []
    for result in results:
        found = next((index for index, (_plugin, value) in enumerate(noted) if value is result), None)
        if found is None:  # added or replaced by a wrapper
            pairs.append((_culprit(caller, None), result))
        else:
            pairs.append((noted.pop(found)[0], result))
    return pairs


#: The (plugin name, result) pairs of the hook call under way (see ``_call``).
_noted: contextvars.ContextVar[list | None] = contextvars.ContextVar("peerlearn_noted", default=None)


class _Attributed:
    """A plugin as pluggy sees it: its hook functions wrapped to name it, its other attributes its own.

    Registering this instead of the plugin itself lets pluggy call every
    implementation as it documents, while each result is paired with the
    plugin that returned it and each exception names the plugin that raised
    it. Wrappers (``wrapper=True``, ``hookwrapper=True``) are handed over as
    they are, since pluggy drives their generators. The hook functions live in
    the instance's ``__dict__``, where pluggy looks for them.
    """

    def __init__(self, pm: pluggy.PluginManager, plugin: object, name: str) -> None:
        self.__dict__.update(_plugin=plugin, _plugin_name=name)
        for attribute in dir(plugin):
            options = pm.parse_hookimpl_opts(plugin, attribute)
            if options is None:
                continue
            function = getattr(plugin, attribute)
            if not (options.get("wrapper") or options.get("hookwrapper")):
                function = _named(function, name, options.get("specname") or attribute)
            self.__dict__[attribute] = function

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._plugin, attribute)

    def __repr__(self) -> str:
        return f"<plugin {self._plugin_name!r}: {self._plugin!r}>"


def _named(function: Callable, plugin_name: str, hook_name: str) -> Callable:
    """``function`` noting its results for ``_call`` and blaming ``plugin_name`` for what it raises."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            result = function(*args, **kwargs)
        except PluginError:
            raise
        except PLUGIN_FAULTS as error:  # noqa: BLE001 - blame the plugin, not the core
            raise PluginError(plugin_name, hook_name, f"raised {type(error).__name__}: {error}") from error
        noted = _noted.get()
        if noted is not None and result is not None:
            noted.append((plugin_name, result))
        return result

    return call


def _register(pm: pluggy.PluginManager, plugin: object, name: str | None) -> str:
    """Register ``plugin`` (seen through :class:`_Attributed`) under ``name``; returns the name."""
    if any(getattr(known, "_plugin", known) is plugin for known in pm.get_plugins()):
        raise ValueError(f"plugin {plugin!r} is already registered")
    name = name or pm.get_canonical_name(plugin)
    pm.register(_Attributed(pm, plugin, name), name=name)
    return name


def _culprit(caller: Any, error: BaseException | None) -> str:
    """The wrapper implementation to blame: the one the traceback passes through, else every wrapper."""
    wrappers = [impl for impl in caller.get_hookimpls() if impl.wrapper or impl.hookwrapper]
    codes = {getattr(inspect.unwrap(impl.function), "__code__", None): impl.plugin_name for impl in wrappers}
    traceback = error.__traceback__ if error is not None else None
    while traceback is not None:
        if traceback.tb_frame.f_code in codes:
            return codes[traceback.tb_frame.f_code]
        traceback = traceback.tb_next
    return ", ".join(impl.plugin_name for impl in wrappers) or "unknown"


def _items(plugin: str, hook: str, result: Any, expected: type) -> list:
    if isinstance(result, (str, bytes)) or not isinstance(result, Iterable):
        raise PluginError(plugin, hook, f"returned {type(result).__name__}, expected a list of {expected.__name__}")
    items = list(result)
    for item in items:
        if not isinstance(item, expected):
            raise PluginError(plugin, hook, f"returned a {type(item).__name__}, expected {expected.__name__}")
    return items


def networks() -> dict[str, Network]:
    """The networks the loaded plugins contribute, by slug."""
    import attrs

    from .models import Network

    found: dict[str, Network] = {}
    for plugin, result in _call("peerlearn_networks"):
        for network in _items(plugin, "peerlearn_networks", result, Network):
            if network.slug in found:
                raise PluginError(
                    plugin,
                    "peerlearn_networks",
                    f"network {network.slug!r} is already contributed by plugin {found[network.slug].plugin!r}",
                )
            found[network.slug] = attrs.evolve(network, plugin=plugin)
    return found


def activity_kinds(network: str | None = None) -> dict[str, ActivityKind]:
    """The kinds of activity the loaded plugins add, by name: every one, or those open to ``network``.

    A kind scoped to a network (``ActivityKind.network``) is open to that
    network only; a kind without one, to every network.
    """
    from .models import ActivityKind

    kinds: dict[str, ActivityKind] = {}
    for plugin, result in _call("peerlearn_activity_kinds"):
        for kind in _items(plugin, "peerlearn_activity_kinds", result, ActivityKind):
            if network is None or kind.network in (None, network):
                kinds.setdefault(kind.name, kind)
    return dict(sorted(kinds.items()))


def exporters(kind: str) -> dict[str, Exporter]:
    """The export formats for ``kind`` (``activity-log``, ``calendar``, …), by name."""
    from .models import Exporter

    found: dict[str, tuple[str, Exporter]] = {}
    for plugin, result in _call("peerlearn_exporters"):
        for exporter in _items(plugin, "peerlearn_exporters", result, Exporter):
            if exporter.kind != kind:
                continue
            if exporter.name in found:
                raise PluginError(
                    plugin, "peerlearn_exporters",
                    f"format {exporter.name!r} for {kind} is already offered by plugin {found[exporter.name][0]!r}",
                )
            found[exporter.name] = (plugin, exporter)
    return {name: found[name][1] for name in sorted(found)}


def _problems(hook: str, pairs: list[tuple[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    for plugin, result in pairs:
        if not result:
            continue
        from .models import Problem
        if isinstance(result, (str, Problem)):
            result = [result]
        for item in _items(plugin, hook, result, object):
            if isinstance(item, str):
                item = Problem(item)
            if not isinstance(item, Problem):
                raise PluginError(plugin, hook, f"returned a {type(item).__name__}, expected Problem or str")
            problems.append(item)
    return problems


def validate_member(network: Network, member: Member, membership: Membership) -> list[Problem]:
    """Ask every plugin about a membership; returns errors and warnings."""
    hook = "peerlearn_validate_member"
    return _problems(hook, _call(hook, network=network, member=member, membership=membership))


def validate_activity(network: Network, activity: Activity, sessions: list[Any] | None = None) -> list[Problem]:
    """Ask every plugin about an activity; returns errors and warnings."""
    hook = "peerlearn_validate_activity"
    return _problems(hook, _call(hook, network=network, activity=activity, sessions=list(sessions or [])))


def agenda_checks(network: Network, activity: Activity, sessions: list[Session], roles: list[Role],
                  registry: Any, *, unscoped_only: bool = False) -> list[tuple[str, Problem]]:
    """Ask the plugins to check one activity's programme; returns (plugin name, problem) pairs.

    ``unscoped_only`` asks only the plugins that do not name ``scope``
    (those :func:`agenda_sweep` does not ask), for a whole-registry check.
    """
    hook = "peerlearn_agenda_checks"
    caller = _subset(hook, lambda impl: unscoped_only and "scope" in impl.argnames)
    return _checked(hook, caller, network=network, activity=activity, sessions=list(sessions), roles=list(roles),
                    registry=registry, scope="activity")


def agenda_sweep(registry: Any) -> Iterator[tuple[str, Problem]]:
    """Ask the plugins that name ``scope`` to check every programme at once; (plugin name, problem) pairs.

    A plugin may return its problems as an iterator (peerlearn's own checks
    do): they are passed on one at a time, as it produces them, so that a
    whole registry's findings need never be in memory at once. An exception
    raised while producing them is a :class:`PluginError` naming the plugin.
    """
    from .models import Problem

    hook = "peerlearn_agenda_checks"
    caller = _subset(hook, lambda impl: "scope" not in impl.argnames)
    for plugin, result in _call(hook, caller, network=None, activity=None, sessions=[], roles=[], registry=registry,
                                scope="registry"):
        if not result:
            continue
        if isinstance(result, (str, Problem)):
            result = [result]
        if isinstance(result, bytes) or not isinstance(result, Iterable):
            raise PluginError(plugin, hook, f"returned {type(result).__name__}, expected a list of object")
        items = iter(result)
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except PeerlearnError:
                raise
            except PLUGIN_FAULTS as error:  # noqa: BLE001 - raised while producing problems: blame the plugin
                raise PluginError(plugin, hook, f"raised {type(error).__name__}: {error}") from error
            if isinstance(item, str):
                item = Problem(item)
            if not isinstance(item, Problem):
                raise PluginError(plugin, hook, f"returned a {type(item).__name__}, expected Problem or str")
            yield plugin, item


def unscoped_agenda_checks() -> bool:
    """Whether a plugin checks programmes one activity at a time only (it does not name ``scope``)."""
    return any("scope" not in impl.argnames for impl in _implementations("peerlearn_agenda_checks"))


def _subset(hook: str, leave_out: Callable[[Any], bool]) -> Any:
    """The hook's caller without the implementations ``leave_out`` picks (all of it where it picks none)."""
    left_out = [impl.plugin for impl in _implementations(hook) if leave_out(impl)]
    if not left_out:
        return getattr(manager().hook, hook)
    return manager().subset_hook_caller(hook, remove_plugins=left_out)


def _checked(hook: str, caller: Any, **arguments: Any) -> list[tuple[str, Problem]]:
    found = []
    for plugin, result in _call(hook, caller, **arguments):
        found.extend((plugin, problem) for problem in _problems(hook, [(plugin, result)]))
    return found


def call_hook(hook: str, /, **arguments: Any) -> list[tuple[str, Any]]:
    """Call ``hook`` through pluggy: ``(plugin name, result)`` pairs in pluggy's order, ``None`` left out.

    For the hooks a plugin adds (see ``peerlearn_addhooks``); peerlearn's
    own hooks have their typed functions here. An exception raised by an
    implementation becomes a :class:`~peerlearn.errors.PluginError` naming
    it; a hook no loaded plugin specifies is a ``LookupError``.
    """
    caller = getattr(manager().hook, hook, None)
    if caller is None or not caller.has_spec():
        raise LookupError(f"no loaded plugin specifies the hook {hook!r}")
    return _call(hook, **arguments)

def ical_event(network: Network, activity: Activity, event: Any, session: Any = None) -> None:
    """Let every plugin adjust one VEVENT (an ``icalendar.Event``) in place."""
    _call("peerlearn_ical_event", network=network, activity=activity, event=event, session=session)


def event_properties(network: Network, activity: Activity, session: Any = None) -> list[tuple[str, dict]]:
    """What every plugin declares for one VEVENT (``peerlearn_event_properties``): (plugin name, properties) pairs.

    A result that is not a mapping is a :class:`~peerlearn.errors.PluginError` naming the plugin.
    """
    if not implemented("peerlearn_event_properties"):
        return []
    found = _call("peerlearn_event_properties", network=network, activity=activity, session=session)
    for name, result in found:
        if not isinstance(result, dict):
            raise PluginError(name, "peerlearn_event_properties",
                              f"returned {type(result).__name__}, not a mapping of property names to values")
    return found


def ical_signature() -> str:
    """The plugins shaping VEVENTs (either hook), by name, version and code, to know when cached events are stale.

    The code counts as well as the version, so that editing an installed
    plugin (an editable install, a plugin under development) refreshes the
    cached events at once.
    """
    return ";".join((hook_signature("peerlearn_ical_event"), hook_signature("peerlearn_event_properties")))


def hook_signature(hook_name: str) -> str:
    """The plugins implementing ``hook_name``, by name, version and a digest of their code.

    For a plugin's cache or incremental build, to tell when what a hook
    returns may have changed although the registry has not.
    """
    state = _state()
    hook = getattr(state.pm.hook, hook_name, None)
    if hook is None:
        return ""
    return ",".join(sorted(f"{impl.plugin_name}=={state.versions.get(impl.plugin_name)}#{_code_digest(impl.function)}"
                           for impl in hook.get_hookimpls()))


def _code_digest(function: Callable) -> str:
    """A digest of the source file that defines ``function`` (else of its compiled code)."""
    import hashlib
    import marshal

    function = inspect.unwrap(function)
    try:
        source = inspect.getsourcefile(function)
        stat = os.stat(source) if source else None
    except (OSError, TypeError):
        source = stat = None
    if stat is not None:
        key = (source, stat.st_mtime_ns, stat.st_size)
        if key not in _digests:
            with open(source, "rb") as handle:
                _digests[key] = hashlib.sha256(handle.read()).hexdigest()[:16]
        return _digests[key]
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return hashlib.sha256(marshal.dumps(code) if code is not None else repr(function).encode()).hexdigest()[:16]


#: Digests of plugins' source files, by path, modification time and size.
_digests: dict[tuple, str] = {}


def register_commands(cli: click.Group) -> None:
    """Let plugins add CLI commands."""
    _call("peerlearn_commands", cli=cli)


def publish(registry: Any, publication: Any) -> None:
    """Let plugins add files to a publication (``peerlearn_publish``)."""
    _call("peerlearn_publish", registry=registry, publication=publication)


def notify_changed(changes: Iterable[Change], warn: Callable[[str], None]) -> None:
    """Tell plugins of committed changes; a plugin that raises is reported through ``warn``."""
    if not implemented("peerlearn_changed"):
        return  # a bulk import's changes are built only for a plugin that listens
    for change in changes:
        try:
            _call("peerlearn_changed", change=change)
        except PluginError as error:
            warn(str(error))


def before_commit(registry: Any, changes: list[Change], dry_run: bool) -> list[str]:
    """Let plugins act on a transaction's changes before it commits; returns the lines they report."""
    hook = "peerlearn_before_commit"
    notes: list[str] = []
    for plugin, result in _call(hook, registry=registry, changes=changes, dry_run=dry_run):
        notes.extend(_items(plugin, hook, [result] if isinstance(result, str) else result, str))
    return notes


def notify_messages(network: Network, messages: list[Any]) -> list[Any]:
    """Let plugins add, change or drop the notices about to be queued for ``network`` (in place)."""
    hook = "peerlearn_notify_messages"
    kinds = {type(message) for message in messages}
    _call(hook, network=network, messages=messages)
    strays = [item for item in messages if type(item) not in kinds]
    if strays:
        raise PluginError(implementers(hook), hook,
                          f"left a {type(strays[0]).__name__} among the messages, expected a Notice")
    return messages


def notify_templates(network: Network) -> list[tuple[str, dict[str, str]]]:
    """The notice templates plugins replace for ``network``: (plugin name, {template name: source}) pairs."""
    hook = "peerlearn_notify_templates"
    found = []
    for plugin, result in _call(hook, network=network):
        if not isinstance(result, dict) or not all(isinstance(name, str) and isinstance(source, str)
                                                   for name, source in result.items()):
            raise PluginError(plugin, hook, f"returned {type(result).__name__}, expected a dict of template"
                                            " names to template sources")
        found.append((plugin, result))
    return found


def warn_failures(write: Callable[[str], None]) -> None:
    """Report each plugin that failed to load in one line."""
    for failure in failures():
        write(f"Warning: plugin {failure.name!r} failed to load: {failure.error}")
