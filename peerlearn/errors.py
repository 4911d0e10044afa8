"""The exceptions peerlearn raises.

The library raises these and never prints or exits; the CLI turns them into
``click.ClickException`` at its edge, so a user sees ``Error: <message>``.
"""


class PeerlearnError(Exception):
    """Base of every error a user can cause or meet.

    ``field`` names the value at fault where there is one (``base_url``,
    ``status``, ``year``): ``message`` then says what is wrong with it, and
    ``str(error)`` is ``"field: message"``. Whoever shows the error names the
    field in its own words: the CLI as its option (``--base-url: …``), the
    feed server as its query parameter. The library never names a CLI flag.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field


class ValidationError(PeerlearnError):
    """A value, a record or a set of records breaks a rule."""


class NotFound(PeerlearnError):
    """An id, slug or name that the registry does not hold."""


class Conflict(PeerlearnError):
    """A record that would duplicate one already held."""


class RegistryError(PeerlearnError):
    """The registry file cannot be opened, read or written."""


class MailError(PeerlearnError):
    """Mail cannot be handed over: SMTP settings missing or refused, the server unreachable or refusing us."""


class OutputError(PeerlearnError):
    """A file or folder peerlearn was asked to write cannot be written there."""


class PluginError(PeerlearnError):
    """A plugin failed to load, raised inside a hook or returned a wrong value.

    ``plugin`` and ``hook`` name the culprit so that the message can blame it.
    """

    def __init__(self, plugin: str, hook: str | None, message: str):
        self.plugin = plugin
        self.hook = hook
        where = f"plugin {plugin!r}" + (f" in hook {hook}" if hook else "")
        super().__init__(f"{where}: {message}")
