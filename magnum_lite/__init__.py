"""magnum_lite: containers for tenants, over REST, on Docker Engines."""
