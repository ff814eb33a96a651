"""The Docker Engine: its HTTP client, a driver, image references."""
