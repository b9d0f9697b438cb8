"""Developer tooling: offline charm builds (charmbuild) and the demo (demo)."""
