# ruff: noqa: N999 -- interface names have dashes, as charm-build lays them out
