"""The marks of peerlearn's hooks, at the bottom of the house.

``peerlearn`` (the public API) hands them on to plugins; the hook
specifications and the plugin manager take them from here, so that no
lower module imports the package's face, which names every layer.
"""

import pluggy

#: Marks a function or method as an implementation of a peerlearn hook.
hookimpl = pluggy.HookimplMarker("peerlearn")
#: Marks a function as the specification of a hook (for plugins that add hooks; see ``peerlearn_addhooks``).
hookspec = pluggy.HookspecMarker("peerlearn")
