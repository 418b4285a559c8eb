"""Sign-in with the organisation's accounts: OpenID Connect's authorization code flow with
PKCE (Authlib's OAuth 2 client), the ID token verified against the provider's JWKS (PyJWT),
the role and the organiser flag mapped from its claims, and a Plenary token handed to the
browser in the URL's fragment (never sent to a server, never logged).

    GET /auth/login?event=<id>      attendees, speakers, moderators of an event
    GET /auth/login?next=admin      organisers (the admin pages)
    GET /auth/callback              the provider sends the browser back here
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .auth import claim_mapping, issue_token, map_role
from .http.edge import answers_problems, services_of
from .links import base_url
from .messages import Role, Slug, convert
from .settings import Settings

COOKIE = "plenary_oidc"
FLOW_TTL_S = 600
ORGANISERS_EVENT = "_organisers"  # the event of an organiser's token: no event's attendee


class Provider:
    """One provider's discovery document and keys, read once and cached."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            issuer = str(self.settings.oidc_issuer).rstrip("/")
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(f"{issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                self._metadata = response.json()
        return self._metadata

    def client(self, redirect_uri: str) -> Any:
        # Imported here: only a server with sign-in configured needs Authlib.
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        return AsyncOAuth2Client(self.settings.oidc_client_id, self.settings.oidc_client_secret,
                                 scope=self.settings.oidc_scopes, redirect_uri=redirect_uri,
                                 code_challenge_method="S256", timeout=10)

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, expiry and nonce hold."""
        metadata = await self.metadata()
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(metadata["jwks_uri"], lifespan=300)
        key = self._jwks.get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token, key.key, algorithms=metadata.get("id_token_signing_alg_values_supported",
                                                       ["RS256"]),
            audience=self.settings.oidc_client_id, issuer=metadata["issuer"], leeway=30,
            options={"require": ["sub", "exp", "iat", "aud", "iss"]})
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise jwt.InvalidTokenError("the nonce differs")
        return claims


def _provider(request: Request) -> Provider:
    state = request.app.state
    if not getattr(state, "oidc", None):
        state.oidc = Provider(services_of(request).settings)
    provider: Provider = state.oidc
    return provider


def _enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _callback_url(request: Request) -> str:
    return base_url(services_of(request).settings, str(request.base_url)) + "/auth/callback"


async def config(request: Request) -> Response:
    """Whether sign-in is offered (the join and admin pages ask)."""
    return JSONResponse({"enabled": _enabled(services_of(request).settings)})


@answers_problems
async def login(request: Request) -> Response:
    services = services_of(request)
    if not _enabled(services.settings):
        return _page(404, "Sign-in with an organisation account is not set up on this server.")
    goal = "admin" if request.query_params.get("next") == "admin" else "event"
    event = ORGANISERS_EVENT
    if goal == "event":
        event = (await services.events.require(convert(request.query_params.get("event", ""),
                                                       Slug))).id
    provider = _provider(request)
    metadata = await provider.metadata()
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48), "event": event, "next": goal,
            "exp": int(time.time()) + FLOW_TTL_S}
    url, _ = provider.client(_callback_url(request)).create_authorization_url(
        metadata["authorization_endpoint"], state=flow["state"], code_verifier=flow["verifier"],
        nonce=flow["nonce"])
    response = RedirectResponse(url, status_code=303)
    # The flow's secrets stay in the browser that started it, signed so none can be forged.
    response.set_cookie(COOKIE, jwt.encode(flow, services.settings.secret, algorithm="HS256"),
                        max_age=FLOW_TTL_S, httponly=True, samesite="lax", path="/auth",
                        secure=request.url.scheme == "https")
    return response


async def callback(request: Request) -> Response:
    services = services_of(request)
    settings = services.settings
    try:
        flow = jwt.decode(request.cookies.get(COOKIE, ""), settings.secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return _page(400, "This sign-in has expired or was started elsewhere: start again.")
    if request.query_params.get("error"):
        return _page(401, f"The sign-in was refused ({request.query_params['error']}).")
    if not secrets.compare_digest(request.query_params.get("state", ""), flow["state"]):
        return _page(400, "This sign-in does not match the one started: start again.")
    provider = _provider(request)
    try:
        metadata = await provider.metadata()
        async with provider.client(_callback_url(request)) as client:
            token = await client.fetch_token(metadata["token_endpoint"],
                                             code=request.query_params.get("code", ""),
                                             code_verifier=flow["verifier"])
        claims = await provider.verify(token["id_token"], flow["nonce"])
    except (httpx.HTTPError, jwt.PyJWTError, KeyError, ValueError) as exc:
        return _page(401, f"The provider's answer could not be verified ({type(exc).__name__}).")
    return _signed_in(settings, flow, claims)


def _signed_in(settings: Settings, flow: dict[str, Any], claims: dict[str, Any]) -> Response:
    mapping = claim_mapping(settings)
    role, organiser = map_role(claims.get(mapping.role_claim), mapping)
    if flow["next"] == "admin" and not organiser:
        return _page(403, "Your account is not one of this server's organisers.")
    name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email")
               or "Guest")[:80]
    token = issue_token(settings.secret, event=flow["event"], name=name,
                        role=Role.attendee if flow["next"] == "admin" else role,
                        ttl_s=settings.token_ttl_s, user_id="oidc-" + str(claims["sub"])[:60],
                        organiser=organiser)
    fragment = urlencode({"token": token, "next": flow["next"]}, quote_via=quote)
    response = RedirectResponse(f"/#/signed-in?{fragment}", status_code=303)
    response.delete_cookie(COOKIE, path="/auth")
    return response


def _page(status: int, message: str) -> Response:
    """A plain page for a sign-in that went wrong: the browser is on it, not the app."""
    body = (f"<!doctype html><meta charset=utf-8><title>Sign-in</title>"
            f"<link rel=stylesheet href=/css/app.css><main class=page><div class=card>"
            f"<h1>Sign-in</h1><p id=signin-error>{html.escape(message)}</p>"
            f"<p><a href=/>Plenary</a></p>"
            f"</div></main>")
    return HTMLResponse(body, status_code=status)

