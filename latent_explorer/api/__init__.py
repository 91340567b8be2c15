"""The Python API behind ``import latent_explorer as lx``: :func:`explore`, the
:class:`Explorer` handle, :func:`load_model` and :func:`load_dataset`.

It sits on top of ``qt/`` and ``core/``; nothing below imports it. Importing this package
imports neither Qt nor torch: :mod:`.explore` and :mod:`.handle` load Qt when a window is
asked for.
"""
