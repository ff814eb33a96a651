"""Reading requests: JSON bodies and query strings checked against a schema,
and the values users type (memory sizes, commands, signals) made exact."""
import base64
import decimal
import json
import shlex
import signal as signals
import urllib.parse

import jsonschema
from jsonschema import exceptions as schema_errors
from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_utils import uuidutils

from magnum_lite.docker import image as image_ref
from magnum_lite import exception
from magnum_lite import registry_hosts

MIN_MEMORY_MB = 6  # Docker refuses less.
MIN_CPU, MAX_CPU = 0.01, 1024  # Docker counts CPUs in hundredths.
_UNITS = {"": 1, "m": 1, "g": 1024}
_validators = {}


def check(instance, schema):
    """Raise the most telling jsonschema.ValidationError, if any."""
    key = id(schema)
    if key not in _validators:
        _validators[key] = (schema, jsonschema.Draft202012Validator(schema))
    error = schema_errors.best_match(_validators[key][1].iter_errors(
        instance))
    if error is not None:
        raise error
    return instance


def utf8(environ):
    """Raise Invalid unless the path, the query string and every header
    are UTF-8: each is read as text somewhere, and a decode failing there
    would be a 500."""
    # WSGI hands each over as a latin-1 string of the bytes received; the
    # path already percent-decoded, the query string not yet.
    query_bytes = urllib.parse.unquote_to_bytes(
        environ.get("QUERY_STRING", "").replace("+", " "))
    parts = [("path", environ.get("PATH_INFO", "").encode("latin-1")),
             ("query string", query_bytes)]
    parts += [("header " + name[5:].replace("_", "-").title(),
               value.encode("latin-1"))
              for name, value in environ.items()
              if name.startswith("HTTP_") and isinstance(value, str)]
    for where, raw in parts:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exception.Invalid(
                reason=f"The {where} is not valid UTF-8.") from None


def query(request, schema):
    """The query string as {name: value}, checked against schema.

    python-zunclient sends an option left unset as the text "None"
    (?signal=None, ?ps_args=None): that means absent here.
    """
    params = {}
    for name, values in request.GET.dict_of_lists().items():
        values = [value for value in values if value != "None"]
        if values:
            params[name] = values[0] if len(values) == 1 else values
    return check(params, schema)


def body(request, schema):
    """The JSON body as a dict, checked against schema."""
    raw = request.body
    if not raw.strip():
        raise exception.Invalid(reason="A JSON body is required.")
    if request.content_type != "application/json":
        raise exception.UnsupportedMediaType(type=request.content_type or
                                          "unspecified")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise exception.Invalid(
            reason="The request body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except ValueError as error:
        raise exception.Invalid(reason=f"Malformed JSON: {error}.")
    return check(data, schema)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def flag(value, default=False):
    """A query-string boolean (already checked by its schema)."""
    if value is None:
        return default
    return strutils.bool_from_string(value, strict=True)


def memory_mb(value, max_mb):
    """MiB from an integer (MiB) or a string such as 512, 512m, 1g, 1.5G."""
    if value is None:
        return None
    if isinstance(value, str):
        number = value.rstrip("mMgG")
        mb = decimal.Decimal(number) * _UNITS[value[len(number):].lower()]
    else:
        mb = decimal.Decimal(value)
    if mb != int(mb):
        raise exception.InvalidParameter(
            reason=f"memory {value!r} is not a whole number of MiB.")
    mb = int(mb)
    if not MIN_MEMORY_MB <= mb <= max_mb:
        raise exception.InvalidParameter(
            reason=f"memory must be between {MIN_MEMORY_MB} MiB and "
                   f"{max_mb} MiB; {value!r} is {mb} MiB.")
    return mb


def cpu(value):
    if value is None:
        return None
    cpus = float(value)
    if not MIN_CPU <= cpus <= MAX_CPU:
        raise exception.InvalidParameter(
            reason=f"cpu must be between {MIN_CPU} and {MAX_CPU}, "
                   f"not {value!r}.")
    return cpus


def name(value):
    # A name that looks like a uuid could never be looked up by name.
    if value is not None and uuidutils.is_uuid_like(value):
        raise exception.InvalidParameter(
            reason=f"name {value!r} looks like a UUID; choose another.")
    return value


def idempotency_key(value):
    """An Idempotency-Key header: up to 255 visible ASCII characters."""
    if value is None:
        return None
    if not 0 < len(value) <= 255 or not all(
            "!" <= ch <= "~" for ch in value):
        raise exception.InvalidParameter(
            reason="Idempotency-Key must be 1 to 255 visible ASCII "
                   "characters.")
    return value


def command(value):
    """The command as a list; before 1.20 it comes as a shell-quoted
    string (the schema of the request's version says which)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as error:
            raise exception.InvalidParameter(
                reason=f"command {value!r} cannot be split: {error}.")
    return value or None


def image(value):
    image_ref.parse(value)
    return value


def registry_host(conf, domain):
    """The registry domain (host[:port]) a tenant named, if the service
    and its engines may connect there; RegistryHostRefused (400) if it is
    in [registries] disallowed_hosts and not in allowed_hosts. Checked
    before anything is written or cast."""
    registry_hosts.check(conf, domain)
    return domain


def image_host(conf, value):
    """The image reference `value`, if the registry it is pulled from (as
    the conductor reads it: the one it names, else [docker]
    default_registry, if any) may be reached; see registry_host. For
    every handler that has a conductor pull or search: create, rebuild,
    image pull, image search."""
    registry_host(conf, image_ref.parse(
        value, conf.docker.default_registry).registry)
    return value


def image_on(value, domain):
    """The image as pulled from the registry `domain`: prefixed with it
    when it names none; InvalidParameter when it names another."""
    ref = image_ref.parse(value)
    if ref.registry is None:
        return f"{domain}/{value}"
    if ref.registry != domain:
        raise exception.InvalidParameter(
            reason=f"image {value} is on {ref.registry}, and the registry "
                   f"named is {domain}.")
    return value


def restart_policy(value, auto_remove):
    if not value:
        return None
    name = value["Name"]
    retries = int(value.get("MaximumRetryCount") or 0)
    if name == "no":
        retries = 0  # as Zun: a count means nothing without restarts
    elif retries and name != "on-failure":
        raise exception.InvalidParameter(
            reason="restart_policy MaximumRetryCount is only allowed with "
                   f"Name on-failure, not {name!r}.")
    if auto_remove and name != "no":
        raise exception.InvalidParameter(
            reason="auto_remove cannot be combined with restart_policy "
                   f"{name!r}: Docker removes the container when it exits.")
    return {"Name": name, "MaximumRetryCount": retries}


def healthcheck(value):
    """Zun's healthcheck ({cmd, interval, retries, timeout}) as kept and
    shown: cmd becomes test, as in Zun; None for none."""
    if not value:
        return None
    if "cmd" not in value:
        raise exception.InvalidParameter(
            reason="healthcheck needs cmd, the command that says whether "
                   "the container is healthy.")
    checked = {"test": value["cmd"]}
    for key in ("interval", "retries", "timeout"):
        if value.get(key) is not None:
            checked[key] = value[key]
    return checked


def signal(value):
    """A signal Docker understands, as SIGNAME or its number."""
    if value is None:
        return None
    if value.isdigit():
        number = int(value)
        if not 0 < number < signals.NSIG:
            raise exception.InvalidParameter(
                reason=f"signal {value} is not between 1 and "
                       f"{signals.NSIG - 1}.")
        return number
    wanted = value.upper()
    if not wanted.startswith("SIG"):
        wanted = "SIG" + wanted
    if wanted not in signals.Signals.__members__:
        raise exception.InvalidParameter(
            reason=f"signal {value!r} is not a known signal.")
    return wanted


def since(value):
    """Epoch seconds from epoch seconds or an ISO 8601 time."""
    if value is None or value.isdigit():
        return int(value) if value else None
    try:
        return int(timeutils.parse_isotime(value).timestamp())
    except ValueError as error:
        raise exception.InvalidParameter(reason=f"since: {error}")


def tail(value):
    return "all" if value in (None, "all") else int(value)


def archive_from_text(value):
    """base64 (what the conductor takes) of a tar sent as text before
    1.25: its bytes are the text's UTF-8, as the clients of then made it
    (oslo.serialization decodes bytes as UTF-8)."""
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def base64_data(value):
    try:
        base64.b64decode(value, validate=True)
    # binascii.Error for bad base64; a plain ValueError for non-ASCII text.
    except ValueError:
        raise exception.InvalidParameter(
            reason="data must be base64 of a tar archive.")
    return value
