"""The exception tree in exception.py's docstring is the whole tree, with
each class's HTTP status; and every exception lives in exception.py."""
import ast
import inspect
import pathlib
import re

from magnum_lite import exception

PACKAGE = pathlib.Path(exception.__file__).parent


def _drawn():
    """{class name: status or None} as the docstring draws them."""
    drawn = {}
    for line in exception.__doc__.splitlines():
        found = re.match(r"\s*(?:[|+\- ]*)([A-Z]\w+)\s*(\d{3})?", line)
        if found and found.group(1) in vars(exception):
            drawn[found.group(1)] = found.group(2)
    return drawn


def test_the_docstring_draws_every_class_with_its_status():
    classes = {name: cls for name, cls in vars(exception).items()
               if inspect.isclass(cls) and issubclass(cls, Exception)}
    drawn = _drawn()
    assert sorted(drawn) == sorted(classes)
    for name, status in drawn.items():
        if status is not None:
            assert str(classes[name].code) == status, name


def test_every_exception_lives_in_exception_py():
    # A module's private signal (a leading underscore) may stay with it.
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "exception.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith(
                    "_") and any(
                    "Exception" in ast.unparse(b) or "Error" in ast.unparse(b)
                    for b in node.bases):
                found.append("%s: %s" % (path.relative_to(PACKAGE.parent),
                                         node.name))
    assert found == []
