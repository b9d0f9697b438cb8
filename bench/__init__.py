"""Side-by-side benchmark of this layer and charms.reactive 1.5.3: ``python -m bench``."""
