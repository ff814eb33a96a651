"""magnum_lite: containers for tenants, over REST, on Docker Engines."""
import warnings

# Here, where every entry point passes first (the console scripts, the WSGI
# module, `python -m`): oslo.messaging imports oslo.service, which imports
# eventlet, which imports its own copy of dnspython; each warns at import.
# We never use eventlet (the executor is "threading"), and an operator's
# terminal should show our messages, not notices about libraries' libraries:
# - eventlet's own deprecation notice;
# - dnspython 2.9 on cryptography 51 (DSA deprecated): 8 lines per import,
#   twice (eventlet imports dnspython under two names).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
warnings.filterwarnings("ignore", message=r"DSA is deprecated",
                        module=r"dns\.")
