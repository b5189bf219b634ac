"""Configuration files of every service, written anew on each ``up``.

Passwords come from the generated secrets; nothing here is a default that a
real deployment should keep.
"""

from __future__ import annotations

import pathlib
import shutil

from microcloud import backing, layout

Sections = dict[str, dict[str, object]]


def write_ini(path: pathlib.Path, sections: Sections) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_ini_value(value)}"
                  for key, value in options.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    path.chmod(0o600)


def _ini_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def service_auth(user: str, secrets: dict, region: layout.Region) -> dict:
    """Options of a keystoneauth password plugin for a service user."""
    return {
        "auth_type": "password",
        "auth_url": layout.KEYSTONE_V3,
        "username": user,
        "password": secrets["users"][user],
        "user_domain_name": "Default",
        "project_name": "service",
        "project_domain_name": "Default",
        "region_name": region.name,
        "valid_interfaces": "public",
    }


def authtoken(user: str, secrets: dict, region: layout.Region) -> dict:
    options = service_auth(user, secrets, region)
    options.pop("valid_interfaces")
    options.update(www_authenticate_uri=layout.KEYSTONE_URL,
                   interface="public", service_token_roles_required=True)
    return options


def database(name: str, secrets: dict) -> dict:
    # Small pools: two regions of services share one MariaDB on a small box.
    return {"connection": backing.database_url(name, secrets["database"]),
            "max_pool_size": 5, "max_overflow": 10}


def keystone(secrets: dict) -> pathlib.Path:
    etc = layout.ETC / "keystone"
    write_ini(etc / "keystone.conf", {
        "DEFAULT": {"log_file": layout.LOGS / "keystone.log"},
        "database": database(layout.KEYSTONE_DATABASE, secrets),
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": layout.DATA / "keystone-fernet"},
        "credential": {"key_repository": layout.DATA / "keystone-credential"},
        "fernet_receipts": {"key_repository": layout.DATA / "keystone-fernet"},
    })
    return etc


def glance(region: layout.Region, secrets: dict) -> pathlib.Path:
    etc = region.etc / "glance"
    data = region.data / "glance"
    write_ini(etc / "glance-api.conf", {
        "DEFAULT": {
            "log_file": layout.LOGS / f"glance-api-{region.key}.log",
            "enabled_backends": "file:file",
            "worker_self_reference_url": region.url("glance"),
            "show_image_direct_url": False,
            "image_size_cap": 4 * 1024 ** 3,
        },
        "database": database(region.database("glance"), secrets),
        "keystone_authtoken": authtoken("glance", secrets, region),
        "paste_deploy": {"flavor": "keystone"},
        "glance_store": {"default_backend": "file"},
        "file": {"filesystem_store_datadir": data / "images"},
        "os_glance_staging_store": {
            "filesystem_store_datadir": data / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": data / "tasks"},
        "oslo_concurrency": {"lock_path": data / "locks"},
        "oslo_policy": {"enforce_new_defaults": True},
    })
    shutil.copy(layout.VENV / "etc/glance/glance-api-paste.ini", etc)
    return etc


def placement(region: layout.Region, secrets: dict) -> pathlib.Path:
    etc = region.etc / "placement"
    write_ini(etc / "placement.conf", {
        "DEFAULT": {"log_file": layout.LOGS / f"placement-{region.key}.log"},
        "api": {"auth_strategy": "keystone"},
        "placement_database": database(region.database("placement"),
                                       secrets),
        "keystone_authtoken": authtoken("placement", secrets, region),
    })
    return etc


def nova(region: layout.Region, secrets: dict) -> pathlib.Path:
    """Write nova.conf for the API, conductor and scheduler, and a separate
    nova-compute.conf, because nova-compute must not see database settings."""
    etc = region.etc / "nova"
    state = region.data / "nova"
    common = {
        "DEFAULT": {
            "host": region.compute_host,
            "my_ip": layout.HOST,
            "state_path": state,
            "instances_path": state / "instances",
            "transport_url": backing.transport_url(region, secrets["mq"]),
            "allow_resize_to_same_host": True,
            "enabled_apis": "osapi_compute",
            # nova-compute otherwise waits 60 s on SIGTERM for tasks that
            # the fake hypervisor never has.
            "graceful_shutdown_timeout": 5,
        },
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": authtoken("nova", secrets, region),
        "service_user": {**service_auth("nova", secrets, region),
                         "send_service_user_token": True},
        "placement": service_auth("placement", secrets, region),
        "neutron": {**service_auth("neutron", secrets, region),
                    "service_metadata_proxy": False},
        "glance": {"region_name": region.name, "valid_interfaces": "public"},
        "cinder": {"os_region_name": region.name},
        "vnc": {
            "enabled": True,
            "server_listen": layout.HOST,
            "server_proxyclient_address": layout.HOST,
            "novncproxy_base_url":
                f"{region.url('novncproxy')}/vnc_lite.html",
        },
        "oslo_concurrency": {"lock_path": state / "locks"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_policy": {"enforce_new_defaults": True},
        "scheduler": {"discover_hosts_in_cells_interval": 5, "workers": 1},
        "conductor": {"workers": 1},
        "filter_scheduler": {"track_instance_changes": False},
    }
    with_database = {
        **common,
        "api_database": database(region.database("nova_api"), secrets),
        "database": database(region.database("nova"), secrets),
    }
    write_ini(etc / "nova.conf", with_database)
    write_ini(etc / "nova-api.conf", {"DEFAULT": {
        "log_file": layout.LOGS / f"nova-api-{region.key}.log"}})
    shutil.copy(layout.VENV / "etc/nova/api-paste.ini", etc)

    compute = {**common, "DEFAULT": {
        **common["DEFAULT"],
        "compute_driver": "microcloud.Driver",
    }}
    write_ini(etc / "nova-compute.conf", compute)
    return etc


def neutron(region: layout.Region, secrets: dict) -> pathlib.Path:
    etc = region.etc / "neutron"
    state = region.data / "neutron"
    write_ini(etc / "neutron.conf", {
        "DEFAULT": {
            "log_file": layout.LOGS / f"neutron-api-{region.key}.log",
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "state_path": state,
            "transport_url": backing.transport_url(region, secrets["mq"]),
            "api_paste_config": layout.VENV / "etc/neutron/api-paste.ini",
            "notify_nova_on_port_status_changes": True,
            "notify_nova_on_port_data_changes": True,
            "dhcp_agent_notification": False,
            "allow_overlapping_ips": True,
            "api_workers": 1,
            "rpc_workers": 0,
        },
        "database": database(region.database("neutron"), secrets),
        "keystone_authtoken": authtoken("neutron", secrets, region),
        "nova": service_auth("neutron", secrets, region),
        "oslo_concurrency": {"lock_path": state / "locks"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_policy": {"enforce_new_defaults": True},
    })
    write_ini(etc / "ml2_conf.ini", {
        "ml2": {
            "type_drivers": "flat,vxlan",
            "tenant_network_types": "vxlan",
            "mechanism_drivers": "microcloud",
            "extension_drivers": "port_security",
        },
        "ml2_type_flat": {"flat_networks": "public"},
        "ml2_type_vxlan": {"vni_ranges": "1:1000"},
        "securitygroup": {"enable_security_group": True,
                          "firewall_driver": "noop"},
    })
    return etc
