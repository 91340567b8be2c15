"""Questions asked of the latents: their spread, principal directions (and later clusters)."""
