"""The portal behind nginx with TLS and terminal client certificates, on this machine's Debian nginx, with
the proxy config of the repository (deploy/nginx/kaigo.conf.template) and certificates made in the run.

In: a valid terminal certificate of the office. Refused: no certificate, a revoked one, another office's,
one from a foreign CA, and a forged subject header sent straight to the app server.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import ssl
import string
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command

from conftest import free_port, require_tool
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.terminals import ca, services

ROOT = Path(__file__).resolve().parent.parent
SECRET = "proxy-secret-" + "x" * 40
pytestmark = pytest.mark.django_db(transaction=True)


class Nginx:
    def __init__(self, folder: Path, upstream: str, certs: Path):
        self.folder, self.port, self.http_port = folder, free_port(), free_port()
        site = string.Template((ROOT / "deploy/nginx/kaigo.conf.template").read_text()).safe_substitute(
            KAIGO_UPSTREAM=upstream,
            KAIGO_HTTP_PORT=f"127.0.0.1:{self.http_port}",
            KAIGO_TLS_PORT=f"127.0.0.1:{self.port}",
            KAIGO_SERVER_NAME="localhost",
            KAIGO_TLS_CERT=certs / "server.pem",
            KAIGO_TLS_KEY=certs / "server-key.pem",
            KAIGO_TERMINAL_CA_CERT=certs / "ca.pem",
            KAIGO_TERMINAL_CRL=certs / "crl.pem",
            KAIGO_PROXY_SECRET=SECRET,
        )
        assert "${" not in site, "a variable of the template was not filled"
        (folder / "kaigo.conf").write_text(site)
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private folder
        temp = "".join(
            f"{kind}_temp_path {folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\nerror_log {folder}/error.log info;\npid {folder}/nginx.pid;\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{\n access_log {folder}/access.log;\n{temp} include {folder}/kaigo.conf;\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        check = subprocess.run(
            ["nginx", "-t", "-p", f"{self.folder}/", "-c", f"{self.folder}/nginx.conf"],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            ["nginx", "-p", f"{self.folder}/", "-c", f"{self.folder}/nginx.conf", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError((self.folder / "error.log").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def client_files(folder: Path, name: str, certificate, key) -> tuple[str, str]:
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_path.write_bytes(ca.pem(certificate))
    key_path.write_bytes(ca.key_pem(key))
    return str(cert_path), str(key_path)


def terminal_files(folder: Path, name: str, terminal, passphrase: str, by) -> tuple[str, str]:
    """The terminal's PKCS#12 file as the admin downloads it, opened with its passphrase, as PEM files."""
    bundle = services.terminal_download(terminal=terminal, by=by)
    key, certificate, _chain = pkcs12.load_key_and_certificates(bundle, passphrase.encode())
    return client_files(folder, name, certificate, key)


def get(port: int, path: str, *, cafile: Path, client: tuple[str, str] | None = None, headers=None):
    """(status, headers, body) of an HTTPS GET through the proxy, with a client certificate or without."""
    context = ssl.create_default_context(cafile=str(cafile))
    if client:
        context.load_cert_chain(*client)
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=20)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")
    finally:
        connection.close()


def test_only_a_valid_terminal_of_the_office_gets_through_the_proxy(
    live_server, settings, tmp_path, orgs, cast, client
):
    require_tool("nginx", hint="apt-get install nginx")
    certs = tmp_path / "certs"
    call_command("terminal_ca_init", str(certs), stdout=io.StringIO())
    settings.KAIGO_TERMINAL_CA_CERT, settings.KAIGO_TERMINAL_CA_KEY = (
        str(certs / "ca.pem"),
        str(certs / "ca-key.pem"),
    )
    settings.KAIGO_REQUIRE_CLIENT_CERT, settings.KAIGO_PROXY_SECRET = True, SECRET

    olive, oscar = cast["olive"], cast["oscar"]
    ours = terminal_files(
        certs, "ours", *services.terminal_issue(organisation=orgs["kyotaku"], name="受付1", by=olive), olive
    )
    theirs = terminal_files(
        certs, "theirs", *services.terminal_issue(organisation=orgs["kyotaku2"], name="受付", by=oscar), oscar
    )
    old, old_passphrase = services.terminal_issue(organisation=orgs["kyotaku"], name="古い端末", by=olive)
    revoked = terminal_files(certs, "revoked", old, old_passphrase, olive)
    services.terminal_revoke(terminal=old, by=olive, reason="key_compromise")
    foreign_ca = ca.make_authority("Someone Else's CA")
    foreign = client_files(
        certs,
        "foreign",
        *ca.issue_terminal(
            foreign_ca, organisation_number=orgs["kyotaku"].number, terminal_name="偽", days=30
        ),
    )
    call_command("terminal_crl", str(certs / "crl.pem"), stdout=io.StringIO())

    upstream = urlparse(live_server.url)
    proxy = Nginx(tmp_path, f"{upstream.hostname}:{upstream.port}", certs).start()
    try:
        _key, raw = api_key_create(
            organisation=orgs["kyotaku"], scope=ApiScope.READ, name="介護ソフト", by=None
        )
        api = {"Authorization": f"Api-Key {raw}"}
        cafile = certs / "ca.pem"

        status, headers, body = get(proxy.port, "/api/v1/me/", cafile=cafile, client=ours, headers=api)
        assert status == 200, body
        assert headers["Strict-Transport-Security"].startswith("max-age=63072000")

        refused = {
            "no certificate": get(proxy.port, "/api/v1/me/", cafile=cafile, headers=api),
            "another office's": get(proxy.port, "/api/v1/me/", cafile=cafile, client=theirs, headers=api),
            "revoked": get(proxy.port, "/api/v1/me/", cafile=cafile, client=revoked, headers=api),
            "a foreign CA's": get(proxy.port, "/api/v1/me/", cafile=cafile, client=foreign, headers=api),
        }
        assert {what: answer[0] for what, answer in refused.items()} == {
            "no certificate": 403,  # the portal: this office's key needs its terminal
            "another office's": 403,  # the portal: verified, but not this office's
            "revoked": 400,  # nginx: in the CRL
            "a foreign CA's": 400,  # nginx: not our CA
        }
        assert '"terminal.no_certificate"' in refused["no certificate"][2]
        assert '"terminal.other_organisation"' in refused["another office's"][2]

        # A forged subject header sent straight to the app server, past the proxy: no terminal.
        forged = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=20)
        forged.request(
            "GET",
            "/api/v1/me/",
            headers={**api, "X-Kaigo-Client-Verify": "SUCCESS", "X-Kaigo-Client-Serial": ours_serial(orgs)},
        )
        assert forged.getresponse().status == 403

        # A session of the office's care manager: in from the terminal, refused without it.
        client.force_login(cast["bob"])
        cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        assert get(proxy.port, "/", cafile=cafile, client=ours, headers=cookie)[0] == 200
        assert get(proxy.port, "/", cafile=cafile, headers=cookie)[0] == 403
        # The public portal needs no certificate.
        assert get(proxy.port, "/portal/", cafile=cafile)[0] == 200

        # HTTP/2 is offered (ALPN), and plain HTTP is sent to HTTPS.
        context = ssl.create_default_context(cafile=str(cafile))
        context.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", proxy.port)) as raw_socket:
            with context.wrap_socket(raw_socket, server_hostname="localhost") as tls:
                assert tls.selected_alpn_protocol() == "h2" and tls.version() == "TLSv1.3"
        plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
        plain.request("GET", "/", headers={"Host": "localhost"})
        answer = plain.getresponse()
        assert answer.status == 308 and answer.getheader("Location") == "https://localhost/"
    finally:
        proxy.stop()


def ours_serial(orgs) -> str:
    from kaigo_portal.terminals.models import Terminal

    return Terminal.objects.filter(organisation=orgs["kyotaku"], revoked_at__isnull=True).get().serial
