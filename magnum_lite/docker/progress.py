"""A pull's progress: Docker's event stream of one pull, told now and then
as one short line."""
import time

PROGRESS_INTERVAL = 0.5  # seconds between two progress reports of a pull
_LAYER_DONE = ("Pull complete", "Already exists")
_LAYER_STATUSES = _LAYER_DONE + (
    "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum",
    "Download complete", "Extracting")


class PullProgress:
    """Turns a pull's event stream into a short summary, now and then."""

    def __init__(self, report):
        self.report = report
        self.layers = {}  # layer id -> [status, bytes done, bytes total]
        self.last = None
        self.final = None

    def update(self, event):
        layer, status = event.get("id"), event.get("status", "")
        if layer and status in _LAYER_STATUSES:
            entry = self.layers.setdefault(layer, [status, 0, 0])
            entry[0] = status
            detail = event.get("progressDetail") or {}
            if status == "Downloading" and detail.get("total"):
                entry[1], entry[2] = detail.get("current", 0), detail["total"]
            elif status in ("Download complete", "Pull complete"):
                entry[1] = entry[2]
        elif status.startswith("Status:"):
            self.final = status[len("Status:"):].strip()
        now = time.monotonic()
        # Nothing worth saying before the first layer is known.
        if self.report and self.layers and (
                self.last is None or now - self.last >= PROGRESS_INTERVAL):
            self.last = now
            self.report(self.summary())

    def summary(self):
        done = sum(1 for s, _, _ in self.layers.values() if s in _LAYER_DONE)
        current = sum(c for _, c, _ in self.layers.values()) / 1e6
        total = sum(t for _, _, t in self.layers.values()) / 1e6
        return (f"pulling {done}/{len(self.layers)} layers, "
                f"{current:.1f} of {total:.1f} MB")

    def finish(self):
        if self.report:
            self.report(self.final or self.summary())
