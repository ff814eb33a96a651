"""Schemathesis drives every operation of the OpenAPI document the API
serves, against the real WSGI app: no 5xx, and no answer that breaks the
document (status codes, content types, bodies)."""
import hypothesis
import pytest
import schemathesis
from schemathesis import checks

from magnum_lite.api import app as api_app

from tests.functional.api_fixtures import FakeConductor

pytest_plugins = ["tests.functional.api_fixtures"]

pytestmark = pytest.mark.parametrize("api_database", ["sqlite"],
                                     indirect=True)


@pytest.fixture
def openapi_app(database, conf, conductor_host, make_container):
    # Something to act on: a running container named "web".
    make_container(name="web", project="demo")
    return api_app.build_app(conf, FakeConductor())


CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance,
          checks.response_schema_conformance]


def test_every_operation_keeps_to_the_document(openapi_app):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", openapi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25
    for operation in operations:
        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(max_examples=15, deadline=None, database=None,
                             suppress_health_check=list(
                                 hypothesis.HealthCheck))
        def keeps_to_the_document(case):
            case.call_and_validate(checks=CHECKS)
        keeps_to_the_document()
