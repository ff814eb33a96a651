"""`docker stats` from the Engine's raw stats: one flat summary."""


def summarize(raw):
    """A flat summary of GET /containers/{id}/stats, like `docker stats`."""
    cpu, precpu = raw.get("cpu_stats") or {}, raw.get("precpu_stats") or {}
    cpu_delta = ((cpu.get("cpu_usage") or {}).get("total_usage", 0)
                 - (precpu.get("cpu_usage") or {}).get("total_usage", 0))
    system_delta = (cpu.get("system_cpu_usage", 0)
                    - precpu.get("system_cpu_usage", 0))
    online = cpu.get("online_cpus") or len(
        (cpu.get("cpu_usage") or {}).get("percpu_usage") or ()) or 1
    cpu_percent = 0.0
    if cpu_delta > 0 and system_delta > 0:
        cpu_percent = cpu_delta / system_delta * online * 100.0

    memory = raw.get("memory_stats") or {}
    detail = memory.get("stats") or {}
    # Page cache is reclaimable; `docker stats` leaves it out (v1, then v2).
    cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
    usage = max(memory.get("usage", 0) - cache, 0)
    limit = memory.get("limit", 0)
    percent = usage / limit * 100.0 if limit else 0.0

    io = {"read": 0, "write": 0}
    for entry in (raw.get("blkio_stats") or {}).get(
            "io_service_bytes_recursive") or ():
        op = entry.get("op", "").lower()
        if op in io:
            io[op] += entry.get("value", 0)

    networks = (raw.get("networks") or {}).values()
    return {"cpu_percent": round(cpu_percent, 2),
            "memory_usage": usage,
            "memory_limit": limit,
            "memory_percent": round(percent, 2),
            "block_read": io["read"],
            "block_write": io["write"],
            "net_rx": sum(n.get("rx_bytes", 0) for n in networks),
            "net_tx": sum(n.get("tx_bytes", 0) for n in networks),
            "pids": (raw.get("pids_stats") or {}).get("current", 0)}
