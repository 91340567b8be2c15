"""Evented state shared by the window's widgets, and (later) saving it as a session."""
