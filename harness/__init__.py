"""The project's own harness, shared by the tests and the benchmarks: the
real stack's pieces (engines, registries, databases, the broker, whole
deployments) started, found and cleaned up. No test lives here."""
