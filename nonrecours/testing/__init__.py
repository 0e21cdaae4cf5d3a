"""Test tooling shipped with the package (pytest plugins)."""
