"""OpenStack RC files and clouds.yaml snippets for one project and region.

Both name the clouds.yaml entry's user and never contain a password: the RC
file prompts for it when sourced, and the clouds.yaml snippet leaves it to the
openstack CLI (`--os-password`, a prompt, or a `password:` the user adds).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import yaml

from perspective.errors import Conflict
from perspective.models.projects import Project
from perspective.openstack import CloudEntry
from perspective.services.container import Services

__all__ = ["RcFile", "render_clouds_yaml", "render_rcfile", "rcfile"]

# Variables that would change which user, project or credential the CLI
# uses if the shell already had them set from another RC file.
STALE_VARIABLES = (
    "OS_CLOUD",
    "OS_TENANT_ID",
    "OS_TENANT_NAME",
    "OS_PROJECT_DOMAIN_NAME",
    "OS_USER_ID",
    "OS_USER_DOMAIN_ID",
    "OS_USER_DOMAIN_NAME",
    "OS_DOMAIN_ID",
    "OS_DOMAIN_NAME",
    "OS_SYSTEM_SCOPE",
    "OS_TOKEN",
    "OS_AUTH_TOKEN",
    "OS_TRUST_ID",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
    "OS_APPLICATION_CREDENTIAL_SECRET",
    "OS_ENDPOINT_TYPE",
    "OS_CACERT",
    "OS_PASSWORD",
)

_UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RcFile:
    """A rendered file and the name to save it under."""

    filename: str
    content: str


def rcfile(services: Services, project_id: str, region: str, format: str) -> RcFile:
    """Render the RC file (`sh`) or clouds.yaml (`clouds.yaml`) of a project and region.

    Raises NotFound for an unknown project or a region not enabled for it,
    and Conflict when the project's clouds.yaml entry does not log in with
    a username and password.
    """
    project = services.projects.get_region(project_id, region)
    entry = services.clouds.entry(project.cloud)
    if entry.auth_type not in ("password", "v3password") or not entry.username:
        raise Conflict(
            f"project {project_id} is served by clouds.yaml entry {entry.name!r}, which"
            f" authenticates with {entry.auth_type!r}; an RC file needs a username and password",
            cloud=entry.name,
        )

    stem = _UNSAFE_FILENAME_CHARACTERS.sub("_", f"{project.name}-{region}")
    if format == "clouds.yaml":
        return RcFile(f"{stem}-clouds.yaml", render_clouds_yaml(entry, project, region))
    return RcFile(f"{stem}-openrc.sh", render_rcfile(entry, project, region))


def render_rcfile(entry: CloudEntry, project: Project, region: str) -> str:
    """Return a bash script that exports the OS_* variables and reads the password."""
    variables = _variables(entry, project, region)
    quoted_project = shlex.quote(project.name)
    lines = [
        "#!/usr/bin/env bash",
        f"# OpenStack RC file for project {_comment(project.name)} in region {_comment(region)}.",
        "# Source it in bash (`source FILE`): it asks for the password of",
        f"# user {_comment(entry.username)} and keeps it only in this shell's environment.",
        "",
        "unset " + " ".join(STALE_VARIABLES),
        "",
    ]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]
    lines += [
        "",
        f"printf 'Password for OpenStack user %s in project %s: ' {shlex.quote(entry.username)} {quoted_project} >&2",
        "read -sr OS_PASSWORD",
        "printf '\\n' >&2",
        "export OS_PASSWORD",
        "",
    ]
    return "\n".join(lines)


def render_clouds_yaml(entry: CloudEntry, project: Project, region: str) -> str:
    """Return a clouds.yaml with one entry for the project and region, without password."""
    auth: dict[str, str] = {"auth_url": entry.auth_url, "username": entry.username}
    if entry.user_domain_id:
        auth["user_domain_id"] = entry.user_domain_id
    elif entry.user_domain_name:
        auth["user_domain_name"] = entry.user_domain_name
    auth["project_id"] = project.id
    auth["project_name"] = project.name
    if project.domain_id:
        auth["project_domain_id"] = project.domain_id

    cloud: dict[str, object] = {
        "auth": auth,
        "auth_type": "password",
        "identity_api_version": 3,
        "region_name": region,
        "interface": entry.interface,
    }
    if entry.cacert:
        cloud["cacert"] = entry.cacert

    header = (
        f"# clouds.yaml for project {_comment(project.name)} in region {_comment(region)}.\n"
        "# It has no password: pass --os-password or add `password:` under auth.\n"
    )
    body = yaml.safe_dump(
        {"clouds": {f"{project.name}-{region}": cloud}},
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
    )
    return header + body


def _variables(entry: CloudEntry, project: Project, region: str) -> dict[str, str]:
    variables = {
        "OS_AUTH_URL": entry.auth_url,
        "OS_AUTH_TYPE": "password",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_PROJECT_ID": project.id,
        "OS_PROJECT_NAME": project.name,
    }
    if project.domain_id:
        variables["OS_PROJECT_DOMAIN_ID"] = project.domain_id
    variables["OS_USERNAME"] = entry.username or ""
    if entry.user_domain_id:
        variables["OS_USER_DOMAIN_ID"] = entry.user_domain_id
    elif entry.user_domain_name:
        variables["OS_USER_DOMAIN_NAME"] = entry.user_domain_name
    variables["OS_REGION_NAME"] = region
    variables["OS_INTERFACE"] = entry.interface
    if entry.cacert:
        variables["OS_CACERT"] = entry.cacert
    return variables


def _comment(value: str | None) -> str:
    # A newline in a project name must not end the comment line.
    return " ".join(str(value).split())
