"""Process entry points: parse the config, wire the pieces, run."""
import warnings

# oslo.messaging imports oslo.service, which imports eventlet, which warns
# at import. We never use eventlet (the executor is "threading"); an
# operator's terminal should show our messages, not that notice.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

