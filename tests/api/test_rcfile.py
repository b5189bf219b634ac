"""RC files and clouds.yaml downloads, used the way a person would use them."""

from __future__ import annotations

import subprocess

import yaml

from tests.conftest import ALICE, OPENSTACK_CLI, REGIONS, cli_environment


def download(api, project_id: str, region: str, **params) -> "object":
    response = api.get(f"/projects/{project_id}/regions/{region}/rcfile", params=params)
    assert response.status_code == 200, response.text
    return response


def source_and_run(rcfile: str, password: str, command: str, tmp_path, clouds_yaml) -> subprocess.CompletedProcess:
    """Source the RC file in bash with the password on stdin, then run a command."""
    path = tmp_path / "openrc.sh"
    path.write_text(rcfile)
    env = cli_environment(clouds_yaml)
    # The RC file alone must be enough: no clouds.yaml to fall back on.
    env.pop("OS_CLIENT_CONFIG_FILE")
    env["PATH"] = f"{OPENSTACK_CLI.parent}:{env['PATH']}"
    env["HOME"] = str(tmp_path)
    return subprocess.run(
        ["bash", "-c", f'source "$1" && {command}', "bash", str(path)],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_rcfile_is_attachment(api, project_ids):
    response = download(api, project_ids["dev"], "RegionOne")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"] == 'attachment; filename="dev-RegionOne-openrc.sh"'


def test_rcfile_holds_no_password(api, project_ids, password):
    text = download(api, project_ids["dev"], "RegionOne").text
    assert password(ALICE) not in text
    assert "read -sr OS_PASSWORD" in text


def test_rcfile_runs_server_list(api, project_ids, password, tmp_path, clouds_yaml):
    rcfile = download(api, project_ids["dev"], "RegionTwo").text
    completed = source_and_run(rcfile, password(ALICE), "openstack server list -f json", tmp_path, clouds_yaml)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().startswith("[")


def test_rcfile_scopes_project_and_region(api, project_ids, password, tmp_path, clouds_yaml):
    rcfile = download(api, project_ids["ops"], "RegionTwo").text
    completed = source_and_run(
        rcfile, password(ALICE), "openstack token issue -f value -c project_id", tmp_path, clouds_yaml
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == project_ids["ops"]
    assert "export OS_REGION_NAME=RegionTwo" in rcfile


def test_rcfile_wrong_password_fails(api, project_ids, tmp_path, clouds_yaml):
    rcfile = download(api, project_ids["dev"], "RegionOne").text
    completed = source_and_run(rcfile, "not-the-password", "openstack server list", tmp_path, clouds_yaml)
    assert completed.returncode != 0


def test_clouds_yaml_runs_server_list(api, project_ids, password, tmp_path, clouds_yaml):
    response = download(api, project_ids["ops"], "RegionOne", format="clouds.yaml")
    assert response.headers["content-type"].startswith("application/yaml")
    assert password(ALICE) not in response.text
    (name,) = yaml.safe_load(response.text)["clouds"]

    path = tmp_path / "clouds.yaml"
    path.write_text(response.text)
    env = cli_environment(clouds_yaml)
    env["OS_CLIENT_CONFIG_FILE"] = str(path)
    completed = subprocess.run(
        [str(OPENSTACK_CLI), "--os-cloud", name, "--os-password", password(ALICE), "server", "list", "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr


def test_rcfile_unknown_region_404(api, project_ids):
    response = api.get(f"/projects/{project_ids['dev']}/regions/RegionNine/rcfile")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "RegionNine" in response.json()["detail"]


def test_rcfile_unknown_format_422(api, project_ids):
    response = api.get(f"/projects/{project_ids['dev']}/regions/{REGIONS[0]}/rcfile", params={"format": "ini"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.format"
