"""Process entry points: parse the config, wire the pieces, run."""
