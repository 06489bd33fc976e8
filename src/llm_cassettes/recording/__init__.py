"""The recording room: what the plugin knows about a run and each test, and how recordings are saved."""
