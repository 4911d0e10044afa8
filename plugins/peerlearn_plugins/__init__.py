"""peerlearn's generic plugins: features that work for any network (the event website, …)."""
