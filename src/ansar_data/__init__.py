"""Build and validate the Al-Ansar (Iraq) / Pasht Ashan massacre data package."""
