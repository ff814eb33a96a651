"""The Docker Engine seam: an HTTP client, a driver returning plain data, image references."""
