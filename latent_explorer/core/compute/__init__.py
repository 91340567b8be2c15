"""Running work off the caller's thread: job contexts, the latest-wins decoder, caches.

This is the only package of the core that creates threads or processes.
"""
