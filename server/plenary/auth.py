"""Tokens: Plenary's own HS256 JWTs with the claims PROTOCOL.md fixes (sub, name, event, role,
exp), and, where settings name a JWKS, RS256/ES256 tokens signed by the organisation's
identity provider, with the role mapped from a claim (docs/oidc.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Mapping
from typing import Any

import jwt

from .errors import Code, ProtocolError
from .messages import Role
from .settings import Settings, SettingsError

ALGORITHM = "HS256"
EXTERNAL_ALGORITHMS = ["RS256", "ES256"]


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    event: str
    role: Role
    organiser: bool = False  # may use the admin API (signed in with the organisation's account)
    expires_at: int = 0  # unix seconds: the socket is closed with 4401 then (0: never)

    def can(self, role: Role) -> bool:
        return self.role >= role

    @property
    def is_staff(self) -> bool:
        """Speakers and moderators: they see the moderation queue."""
        return self.role >= Role.speaker

    def public(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "role": self.role.name}


def issue_token(secret: str, *, event: str, name: str, role: Role, ttl_s: int,
                user_id: str | None = None, organiser: bool = False) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user_id or "u-" + secrets.token_urlsafe(9),
        "name": name,
        "event": event,
        "role": role.name,
        "iat": now,
        "exp": now + ttl_s,
    }
    if organiser:
        claims["organiser"] = True
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


_INVALID = "The token is not valid."


def read_token(secret: str, token: str, *, expired_ok: bool = False) -> User:
    """Verify one of Plenary's tokens; any flaw (bad signature, expired, missing claim) is
    `unauthorized`. `expired_ok` accepts an expired one (a renewal keeps the person)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["sub", "name", "event", "role", "exp"],
                                     "verify_exp": not expired_ok})
        return _user(claims, Role.parse(str(claims["role"])), bool(claims.get("organiser")))
    except _FLAWS as exc:
        raise _refused(exc) from None


def _user(claims: Mapping[str, Any], role: Role, organiser: bool = False,
          event_claim: str = "event") -> User:
    fields = (claims.get("sub"), claims.get("name"), claims.get(event_claim))
    if not all(isinstance(f, str) and f for f in fields):
        raise ProtocolError(Code.unauthorized, _INVALID)
    expires = claims.get("exp")
    return User(id=str(fields[0]), name=str(fields[1]), event=str(fields[2]), role=role,
                organiser=organiser, expires_at=int(expires) if expires else 0)


def _refused(exc: Exception) -> ProtocolError:
    """PyJWT's exceptions, as the protocol's `unauthorized`."""
    if isinstance(exc, ProtocolError):
        return exc
    if isinstance(exc, jwt.ExpiredSignatureError):
        return ProtocolError(Code.unauthorized, "The token has expired: join again.")
    if isinstance(exc, jwt.PyJWKClientError):
        return ProtocolError(Code.unauthorized, "The identity provider's keys cannot be read.")
    return ProtocolError(Code.unauthorized, _INVALID)


_FLAWS = (ProtocolError, jwt.PyJWTError, KeyError, ValueError, TypeError)


@dataclasses.dataclass(frozen=True, slots=True)
class External:
    """Who signs external tokens and how their claims become a Plenary user."""

    jwks_url: str
    issuer: str | None
    audience: str
    role_claim: str = "role"
    event_claim: str = "event"
    roles: Mapping[str, Role] = dataclasses.field(default_factory=dict)  # claim value -> role
    organisers: frozenset[str] = frozenset()  # claim values that make an organiser


def map_role(value: Any, external: External) -> tuple[Role, bool]:
    """The highest role any of the claim's values maps to (attendee if none), and whether
    one of them makes an organiser."""
    values = [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    roles = [external.roles[v] for v in values if v in external.roles]
    return max(roles, default=Role.attendee), any(v in external.organisers for v in values)


class Tokens:
    """Reads every token a client may present: Plenary's own, or the identity provider's."""

    def __init__(self, secret: str, external: External | None = None) -> None:
        self.secret = secret
        self.external = external
        self._jwks = jwt.PyJWKClient(external.jwks_url, lifespan=300) if external else None

    async def read(self, token: str) -> User:
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except _FLAWS as exc:
            raise _refused(exc) from None
        if algorithm == ALGORITHM or self.external is None:
            return read_token(self.secret, token)
        if algorithm not in EXTERNAL_ALGORITHMS:
            raise ProtocolError(Code.unauthorized, _INVALID)
        # PyJWKClient fetches the keys with blocking I/O (cached for `lifespan`).
        return await asyncio.to_thread(self._read_external, token)

    def _read_external(self, token: str) -> User:
        external = self.external
        assert external is not None and self._jwks is not None
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=EXTERNAL_ALGORITHMS,
                                audience=external.audience, issuer=external.issuer,
                                options={"require": ["sub", "exp", "aud"]})
        except _FLAWS as exc:
            raise _refused(exc) from None
        claims.setdefault("name", claims.get("preferred_username") or claims.get("email"))
        role, organiser = map_role(claims.get(external.role_claim), external)
        return _user(claims, role, organiser, external.event_claim)


def role_map(settings: Settings) -> dict[str, Role]:
    """PLENARY_JWT_ROLES: claim value -> role (external tokens and OIDC sign-in alike)."""
    roles = {}
    for pair in settings.jwt_roles:
        value, _, role = pair.rpartition("=")
        if not value or role not in Role.__members__:
            raise SettingsError(f"PLENARY_JWT_ROLES: `{pair}` is not `claim-value=role`")
        roles[value] = Role[role]
    return roles


def claim_mapping(settings: Settings, jwks_url: str = "", audience: str = "") -> External:
    return External(jwks_url=jwks_url, issuer=settings.jwt_issuer, audience=audience,
                    role_claim=settings.jwt_role_claim, event_claim=settings.jwt_event_claim,
                    roles=role_map(settings), organisers=frozenset(settings.jwt_organisers))


def tokens_for(settings: Settings) -> Tokens:
    """The token reader the settings describe (PLENARY_JWKS_URL turns external tokens on)."""
    if not settings.jwks_url:
        role_map(settings)  # checked even when unused
        return Tokens(settings.secret)
    return Tokens(settings.secret, claim_mapping(settings, settings.jwks_url,
                                                 settings.jwt_audience))
