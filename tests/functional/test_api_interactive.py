"""attach answers at once: a container made without stdin gets 409 and
where to go instead, not a wait until it exits."""
pytest_plugins = ["tests.functional.api_fixtures"]


def test_attach_to_a_container_made_without_stdin_is_refused(
        api, conductor, make_container):
    container = make_container(interactive=False)
    answer = api.get(f"/v1/containers/{container.uuid}/attach")
    assert answer.status_int == 409
    assert "exec --interactive" in answer.json["errors"][0]["detail"]
    assert conductor.calls == []


def test_attach_to_an_interactive_container_asks_its_conductor(
        api, conductor, make_container):
    container = make_container(interactive=True, tty=True)
    assert api.get(f"/v1/containers/{container.uuid}/attach"
                   ).status_int == 200
    assert conductor.calls == [("attach", container.uuid, {})]
