"""The Qt-free heart of Latent Explorer: datasets, models, projections, paths, jobs, sessions.

Nothing under this package imports Qt; the command line, the tests and the window all drive it.
"""
