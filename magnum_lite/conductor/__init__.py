"""The conductor: does container work against one Docker Engine."""
