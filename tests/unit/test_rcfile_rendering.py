"""RC files and clouds.yaml snippets, rendered from entry and project data."""

from __future__ import annotations

import subprocess

import yaml

from perspective.models.projects import Project
from perspective.openstack import CloudEntry
from perspective.services.rcfile import render_clouds_yaml, render_rcfile

ENTRY = CloudEntry(
    name="alpha",
    auth_url="http://127.0.0.1:1/v3",
    auth_type="password",
    username="alice",
    user_domain_name="Default",
    user_domain_id=None,
    interface="public",
    cacert=None,
    clouds_yaml_regions=("R1",),
    enabled_regions=None,
)
PROJECT = Project(id="p1", name="one", domain_id="default", cloud="alpha", regions=["R1"])


def tricky_project(tmp_path) -> Project:
    """Return a project whose name has quotes, substitutions and a newline."""
    name = f"it's $(touch {tmp_path}/pwned) `touch {tmp_path}/pwned2`\nnext"
    return PROJECT.model_copy(update={"name": name})


def source(script: str, password: str, tmp_path) -> dict[str, str]:
    path = tmp_path / "openrc.sh"
    path.write_text(script)
    completed = subprocess.run(
        ["bash", "-c", f'source "$1" && env -0', "bash", str(path)],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "OS_TENANT_NAME": "stale", "OS_CLOUD": "stale"},
        timeout=30,
        check=True,
    )
    return dict(line.split("=", 1) for line in completed.stdout.split("\0") if "=" in line)


def test_rcfile_exports_identity_v3(tmp_path):
    env = source(render_rcfile(ENTRY, PROJECT, "R1"), "secret", tmp_path)
    assert env["OS_AUTH_URL"] == "http://127.0.0.1:1/v3"
    assert env["OS_IDENTITY_API_VERSION"] == "3"
    assert env["OS_PROJECT_ID"] == "p1"
    assert env["OS_PROJECT_DOMAIN_ID"] == "default"
    assert env["OS_USERNAME"] == "alice"
    assert env["OS_USER_DOMAIN_NAME"] == "Default"
    assert env["OS_REGION_NAME"] == "R1"
    assert env["OS_INTERFACE"] == "public"


def test_rcfile_quotes_project_name(tmp_path):
    project = tricky_project(tmp_path)
    env = source(render_rcfile(ENTRY, project, "R1"), "secret", tmp_path)
    assert env["OS_PROJECT_NAME"] == project.name
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "pwned2").exists()


def test_rcfile_reads_password_from_stdin(tmp_path):
    env = source(render_rcfile(ENTRY, PROJECT, "R1"), "pa ss'word", tmp_path)
    assert env["OS_PASSWORD"] == "pa ss'word"


def test_rcfile_unsets_stale_variables(tmp_path):
    env = source(render_rcfile(ENTRY, PROJECT, "R1"), "secret", tmp_path)
    assert "OS_TENANT_NAME" not in env
    assert "OS_CLOUD" not in env


def test_rcfile_has_no_password():
    script = render_rcfile(ENTRY, PROJECT, "R1")
    assert "read -sr OS_PASSWORD" in script
    assert "OS_PASSWORD=" not in script


def test_rcfile_prefers_user_domain_id(tmp_path):
    entry = CloudEntry(**{**ENTRY.__dict__, "user_domain_id": "default", "user_domain_name": None})
    env = source(render_rcfile(entry, PROJECT, "R1"), "secret", tmp_path)
    assert env["OS_USER_DOMAIN_ID"] == "default"
    assert "OS_USER_DOMAIN_NAME" not in env


def test_clouds_yaml_entry(tmp_path):
    project = tricky_project(tmp_path)
    document = yaml.safe_load(render_clouds_yaml(ENTRY, project, "R1"))
    (name,) = document["clouds"]
    cloud = document["clouds"][name]
    assert cloud["region_name"] == "R1"
    assert cloud["identity_api_version"] == 3
    assert cloud["auth"]["project_id"] == "p1"
    assert cloud["auth"]["project_name"] == project.name
    assert cloud["auth"]["username"] == "alice"
    assert "password" not in cloud["auth"]
