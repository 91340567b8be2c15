"""StyleGAN2 / StyleGAN2-ADA / StyleGAN3 generators from NVIDIA's snapshot pickles.

A ``network-snapshot-*.pkl`` is read as data (nothing in it runs) into a tree of
:class:`~latent_explorer.core.models.families.stylegan.records.PersistentObject`; the
networks written here from the papers are built from that tree and filled with its tensors.
"""
