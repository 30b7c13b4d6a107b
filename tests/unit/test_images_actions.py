"""Which actions a selection allows, the rows from engine summaries, container settings,
push-line parsing and the docker command lines — no engine needed."""

from __future__ import annotations

import pytest

from workbench import commands
from workbench.containers import ContainerSpec, InvalidSetting, parse_mount, parse_port
from workbench.explain import explain_push_message
from workbench.images import (
    CREATE,
    INSPECT,
    PRUNE,
    PULL,
    PUSH,
    REMOVE,
    RUN,
    TAG,
    UNTAG,
    ImageRow,
    available_actions,
    rows_from_summaries,
)
from workbench.push import PushDone, PushLayer, parse_push_line, qualification_problem

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
APP1, APP2 = ImageRow("app", "1", A, 1, 1), ImageRow("app", "2", A, 1, 1)
LIB = ImageRow("lib", "latest", B, 1, 1)
NONE = ImageRow("<none>", "<none>", "sha256:" + "c" * 64, 1, 1)


def test_available_actions_follow_the_selection() -> None:
    everything = [APP1, APP2, LIB, NONE]
    assert available_actions([], everything) == {PRUNE, PULL}
    assert available_actions([APP1], everything) == {
        PRUNE, PULL, REMOVE, TAG, CREATE, RUN, UNTAG, PUSH, INSPECT}
    # The last tag of an image is Remove, not Untag.
    assert UNTAG not in available_actions([LIB], everything)
    # Two images: no tag / create / run (they take exactly one image).
    assert available_actions([APP1, LIB], everything) == {PRUNE, PULL, REMOVE, PUSH}
    assert available_actions([NONE], everything) == {
        PRUNE, PULL, REMOVE, TAG, CREATE, RUN, INSPECT}


def test_rows_from_summaries_count_containers_and_keep_dangling_apart() -> None:
    summaries = [{"Id": A, "RepoTags": ["app:1", "localhost:5000/app:2"], "Created": 5,
                  "Size": 9},
                 {"Id": B, "RepoTags": ["<none>:<none>"], "Created": 6, "Size": 3}]
    rows = rows_from_summaries(summaries, dangling=True, containers={A: 2})
    assert [(r.reference, r.containers) for r in rows] == [
        ("app:1", 2), ("localhost:5000/app:2", 2), (B, 0)]
    assert rows[2].dangling
    assert len(rows_from_summaries(summaries)) == 2


def test_container_settings_parse_like_docker_run() -> None:
    assert parse_port("8080:80").flag == "8080:80"
    assert parse_port("127.0.0.1:8080:80/udp").flag == "127.0.0.1:8080:80/udp"
    assert parse_port("80").host_port is None
    with pytest.raises(InvalidSetting, match="1 to 65535"):
        parse_port("70000:80")
    with pytest.raises(InvalidSetting, match="numbers"):
        parse_port("http:80")
    assert parse_mount("/srv/site:/usr/share/html:ro").flag == "/srv/site:/usr/share/html:ro"
    assert not parse_mount("data:/var/lib/data").is_bind
    with pytest.raises(InvalidSetting, match="absolute"):
        parse_mount("/srv:relative")
    spec = ContainerSpec("app:1", name="a", command="echo 'unclosed")
    assert len(spec.problems()) == 2
    assert ContainerSpec("app:1", workdir="/srv", user="app:staff", restart="always"
                         ).problems() == []
    (relative,) = ContainerSpec("app:1", workdir="srv").problems()
    assert "absolute" in relative and "“/srv”" in relative
    (user,) = ContainerSpec("app:1", user="me:you:them").problems()
    assert "is not a user" in user
    (policy,) = ContainerSpec("app:1", restart="sometimes").problems()
    assert "on-failure" in policy
    (both,) = ContainerSpec("app:1", restart="always", auto_remove=True).problems()
    assert "--rm with --restart" in both


def test_command_lines() -> None:
    spec = ContainerSpec("app:1", name="web", command="echo hi", env=(("A", "b c"),),
                         ports=(parse_port("8080:80"),), mounts=(parse_mount("/x:/y"),),
                         auto_remove=True)
    assert commands.run_command(spec) == \
        "docker run --name web --rm -e 'A=b c' -p 8080:80 -v /x:/y app:1 echo hi"
    assert commands.create_command(ContainerSpec("app:1")) == "docker create app:1"
    more = ContainerSpec("app:1", command="-c 'echo hi'", entrypoint="/bin/sh",
                         workdir="/srv", user="1000:1000", restart="unless-stopped")
    assert commands.run_command(more) == ("docker run --restart unless-stopped --entrypoint "
                                          "/bin/sh -w /srv -u 1000:1000 app:1 -c 'echo hi'")
    assert commands.tag_command("app:1", "me/app:1") == "docker tag app:1 me/app:1"
    assert commands.rmi_command(["a:1", "b:2"], force=True) == "docker rmi -f a:1 b:2"
    assert commands.prune_command(True) == "docker image prune -a -f"
    assert commands.push_command("h:5000/a:1") == "docker push h:5000/a:1"
    assert commands.pull_command("h:5000/a:1") == "docker pull h:5000/a:1"
    assert commands.login_command("h:5000", "me") == "docker login --username me h:5000"
    assert commands.start_command("web", attach=True) == "docker start -a web"


def test_push_lines_and_refusals() -> None:
    layer = parse_push_line("r:1", {"status": "Pushing", "id": "abc",
                                    "progressDetail": {"current": 5, "total": 10}})
    assert layer == PushLayer("r:1", "abc", "Pushing", 5, 10)
    mounted = parse_push_line("r:1", {"status": "Mounted from other/repo", "id": "abc"})
    assert isinstance(mounted, PushLayer) and mounted.finished
    done = parse_push_line("r:1", {"status": "1: digest: sha256:" + "e" * 64 + " size: 527"})
    assert done == PushDone("r:1", "sha256:" + "e" * 64, 527)
    assert parse_push_line("r:1", {"status": "1: digest: sha256:" + "e" * 64}) == \
        PushDone("r:1", "sha256:" + "e" * 64, None)  # Podman leaves out the size
    words, login = explain_push_message("unauthorized: authentication required", "h:5000")
    assert login and "log in" in words
    words, login = explain_push_message("denied: requested access to the resource is denied",
                                        "docker.io")
    assert not login and "Docker ID" in words
    words, _ = explain_push_message("Get http://h:1/v2/: dial tcp h:1: connect: connection "
                                    "refused", "h:1")
    assert "does not answer" in words
    assert "Docker Hub's official images" in (qualification_problem("app:1") or "")
    assert qualification_problem("me/app:1") is None
    assert "not to localhost:5000" in (qualification_problem("me/app:1", "localhost:5000") or "")
