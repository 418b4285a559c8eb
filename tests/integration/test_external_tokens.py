"""Tokens signed by an organisation's identity provider (RS256 and ES256, keys published as
a JWKS by a real HTTP server this test starts), accepted beside Plenary's own HS256 tokens,
with roles mapped from a claim. Expired, wrongly signed and wrongly addressed ones are
refused."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from harness import ADMIN_KEY, Client, CommandFailed, Server, event_def, free_port, http

ISSUER = "https://idp.example.test"


class Provider:
    """An identity provider's keys: an RSA and an EC key published at /jwks."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.port = free_port()
        jwks = {"keys": [
            {**json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key())), "kid": "rsa-1",
             "use": "sig", "alg": "RS256"},
            {**json.loads(ECAlgorithm.to_jwk(self.ec.public_key())), "kid": "ec-1",
             "use": "sig", "alg": "ES256"},
        ]}
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks"

    def token(self, event: str, *, alg: str = "RS256", key: Any = None, kid: str | None = None,
              ttl: int = 300, aud: str = "plenary", **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": "idp-ana", "name": "Ana Idp", "event": event, "aud": aud,
                   "iss": ISSUER, "iat": now, "exp": now + ttl, **claims}
        signing = key or (self.rsa if alg == "RS256" else self.ec)
        return jwt.encode(payload, signing, algorithm=alg,
                          headers={"kid": kid or ("rsa-1" if alg == "RS256" else "ec-1")})


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    idp = Provider()
    yield idp
    idp.httpd.shutdown()
    idp.httpd.server_close()


@pytest.fixture(scope="module")
def server(provider: Provider) -> Iterator[Server]:
    """Overrides the root `server`: one process on the embedded backend trusts the provider."""
    srv = Server(env={"PLENARY_JWKS_URL": provider.url, "PLENARY_JWT_ISSUER": ISSUER,
                      "PLENARY_JWT_ROLES": "plenary-mods=moderator,faculty=speaker",
                      "PLENARY_JWT_ROLE_CLAIM": "groups",
                      "PLENARY_JWT_ORGANISERS": "plenary-admins"}).start()
    yield srv
    srv.stop()


@pytest.fixture
def event_id(server: Server) -> str:
    definition = event_def()
    assert http("PUT", f"{server.http}/api/events/{definition['id']}", definition,
                token=ADMIN_KEY)[0] == 201
    return str(definition["id"])


async def test_valid_rs256_and_es256_tokens_join_with_mapped_roles(
        server: Server, provider: Provider, event_id: str) -> None:
    moderator = await Client.connect(server, provider.token(event_id, groups=["plenary-mods"]))
    assert moderator.user == {"id": "idp-ana", "name": "Ana Idp", "role": "moderator"}
    await moderator.join("opening")
    await moderator.call("session.update", {"session": "opening", "live": True})
    speaker = await Client.connect(server, provider.token(event_id, alg="ES256",
                                                          groups="faculty", sub="idp-bo"))
    assert speaker.user["role"] == "speaker"
    attendee = await Client.connect(server, provider.token(event_id, sub="idp-cy",
                                                           groups=["staff"]))
    assert attendee.user["role"] == "attendee"
    url = f"{server.http}/api/events/{event_id}/sessions/opening/report"
    assert http("GET", url, token=provider.token(event_id, groups=["plenary-mods"]))[0] == 200
    assert http("GET", url, token=provider.token(event_id))[0] == 403
    for c in (moderator, speaker, attendee):
        await c.close()


async def refused(server: Server, token: str) -> str:
    client = await Client.connect(server)
    with pytest.raises(CommandFailed) as failure:
        await client.call("hello", {"token": token})
    await client.close()
    return str(failure.value.error["message"])


async def test_expired_wrong_key_wrong_audience_and_wrong_issuer_are_refused(
        server: Server, provider: Provider, event_id: str) -> None:
    assert "expired" in await refused(server, provider.token(event_id, ttl=-60))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert "not valid" in await refused(server, provider.token(event_id, key=stranger))
    assert "not valid" in await refused(server, provider.token(event_id, aud="another-app"))
    assert "not valid" in await refused(server, provider.token(event_id, iss="https://evil"))
    unknown_kid = provider.token(event_id, kid="rotated-away")
    assert "keys" in await refused(server, unknown_kid)
    # The RSA key used as if it were the EC one: the header cannot choose the key's kind.
    assert "not valid" in await refused(server, provider.token(event_id, kid="ec-1"))


async def test_plenary_tokens_still_work_beside_them(server: Server, event_id: str) -> None:
    status, body = http("POST", f"{server.http}/api/events/{event_id}/join",
                        {"name": "Local", "code": "code-attendee"})
    assert status == 200
    client = await Client.connect(server, body["token"])
    assert client.user["name"] == "Local"
    await client.close()


def test_an_organiser_of_the_provider_may_use_the_admin_api(server: Server,
                                                           provider: Provider,
                                                           event_id: str) -> None:
    organiser = provider.token(event_id, groups=["plenary-admins"])
    status, listed = http("GET", f"{server.http}/api/events", token=organiser)
    assert status == 200 and event_id in [e["id"] for e in listed["events"]]
    assert http("GET", f"{server.http}/api/events", token=provider.token(event_id))[0] == 401
