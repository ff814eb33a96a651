"""Image references parse like Docker's grammar; bad ones are refused early."""
import pytest

from magnum_lite import exception
from magnum_lite.docker import image

SHA = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize("text, registry, repository, tag, digest", [
    ("busybox", None, "busybox", "latest", None),
    ("busybox:1.36", None, "busybox", "1.36", None),
    ("library/busybox:1.36", None, "library/busybox", "1.36", None),
    ("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000", "team/app", "1.0", None),
    ("registry.example:5000/app", "registry.example:5000", "app", "latest",
     None),
    ("registry.example/a/b/c", "registry.example", "a/b/c", "latest", None),
    ("localhost/app", "localhost", "app", "latest", None),
    ("localhost:5000/app:v2", "localhost:5000", "app", "v2", None),
    (f"app@{SHA}", None, "app", None, SHA),
    (f"app:1.0@{SHA}", None, "app", "1.0", SHA),
    (f"127.0.0.1:5050/test/busybox@{SHA}", "127.0.0.1:5050", "test/busybox",
     None, SHA),
    ("my-app_x.y__z:V1_2-3.4", None, "my-app_x.y__z", "V1_2-3.4", None),
    ("a--b", None, "a--b", "latest", None),
    # Without '.', ':' or "localhost" the first component is a path.
    ("team/app", None, "team/app", "latest", None),
])
def test_valid(text, registry, repository, tag, digest):
    ref = image.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry, repository, tag, digest)


@pytest.mark.parametrize("text, name, canonical, exact", [
    ("busybox", "busybox", "busybox:latest", "busybox:latest"),
    ("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000/team/app",
     "127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000/team/app:1.0"),
    (f"app@{SHA}", "app", f"app@{SHA}", f"app@{SHA}"),
    (f"app:1.0@{SHA}", "app", f"app:1.0@{SHA}", f"app@{SHA}"),
])
def test_name_and_canonical_form(text, name, canonical, exact):
    ref = image.parse(text)
    assert ref.name == name
    assert str(ref) == canonical
    assert ref.exact == exact
    assert image.parse(str(ref)) == ref


def test_default_registry_is_prepended_only_when_none_is_named():
    assert image.parse("busybox", "127.0.0.1:5050").name == \
        "127.0.0.1:5050/busybox"
    assert image.parse("team/app:1", "reg.example").name == \
        "reg.example/team/app"
    assert image.parse("other.example/app", "127.0.0.1:5050").name == \
        "other.example/app"


def test_reference_is_frozen():
    ref = image.parse("busybox")
    with pytest.raises(AttributeError):
        ref.tag = "other"


@pytest.mark.parametrize("text, why", [
    ("", "empty"),
    (None, "not a string"),
    ("BusyBox", "lowercase"),
    ("team/App:1", "lowercase"),
    (" busybox", "whitespace"),
    ("busy box", "whitespace"),
    ("busybox\n", "whitespace"),
    ("busybox:", "tag"),
    ("busybox:.1", "tag"),
    ("busybox:-1", "tag"),
    ("busybox:a/b", "host[:port]"),  # a ":" before "/" marks a registry
    ("busybox:" + "t" * 129, "tag"),
    ("busy$box", "lowercase"),
    ("busybox!:1", "lowercase"),
    ("-busybox", "lowercase"),
    ("busybox-", "lowercase"),
    ("a//b", "lowercase"),
    ("/busybox", "lowercase"),
    ("busybox/", "lowercase"),
    (":1.0", "no repository"),
    ("reg.example:5000/", "no repository"),
    ("reg_x.example/app", "host[:port]"),
    ("reg.example:port/app", "host[:port]"),
    ("-reg.example/app", "host[:port]"),
    ("app@", "algorithm:hex"),
    ("app@sha256", "algorithm:hex"),
    ("app@sha256:" + "a" * 63, "64"),
    ("app@sha256:" + "a" * 65, "64"),
    ("app@sha256:" + "A" * 64, "lowercase hexadecimal"),
    ("app@sha256:" + "g" * 64, "lowercase hexadecimal"),
    ("app@md5:" + "a" * 32, "sha256 or sha512"),
    (f"app@{SHA}@{SHA}", "hexadecimal"),
    ("a" * 256, "longer than 255"),
    ("reg.example/" + "a" * 250, "longer than 255"),
])
def test_invalid(text, why):
    with pytest.raises(exception.InvalidImageReference) as info:
        image.parse(text)
    assert why in str(info.value)
    assert info.value.kwargs["image"] == text
    assert info.value.code == 400


def test_longest_name_is_accepted():
    assert image.parse("a" * 255 + ":1").repository == "a" * 255


def test_invalid_default_registry_is_refused():
    with pytest.raises(exception.InvalidImageReference):
        image.parse("busybox", "not a registry")
