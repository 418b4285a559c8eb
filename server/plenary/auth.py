"""Join tokens: HS256 JWTs with the claims PROTOCOL.md fixes (sub, name, event, role, exp)."""

from __future__ import annotations

import dataclasses
import secrets
import time

import jwt

from .errors import Code, ProtocolError
from .messages import Role

ALGORITHM = "HS256"


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    event: str
    role: Role
    expires_at: int = 0  # unix seconds: the socket is closed with 4401 then

    def can(self, role: Role) -> bool:
        return self.role >= role

    @property
    def is_staff(self) -> bool:
        """Speakers and moderators: they see the moderation queue."""
        return self.role >= Role.speaker

    def public(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "role": self.role.name}


def issue_token(secret: str, *, event: str, name: str, role: Role, ttl_s: int,
                user_id: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "sub": user_id or "u-" + secrets.token_urlsafe(9),
        "name": name,
        "event": event,
        "role": role.name,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str, *, expired_ok: bool = False) -> User:
    """Verify a token; any flaw (bad signature, expired, missing claim) is `unauthorized`.
    `expired_ok` accepts an expired one (renewing it keeps who the person is)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["sub", "name", "event", "role", "exp"],
                                     "verify_exp": not expired_ok})
        role = Role.parse(str(claims["role"]))
    except jwt.ExpiredSignatureError:
        raise ProtocolError(Code.unauthorized, "The token has expired: join again.") from None
    except (jwt.InvalidTokenError, KeyError):
        raise ProtocolError(Code.unauthorized, "The token is not valid.") from None
    fields = (claims["sub"], claims["name"], claims["event"])
    if not all(isinstance(f, str) and f for f in fields):
        raise ProtocolError(Code.unauthorized, "The token is not valid.")
    return User(id=claims["sub"], name=claims["name"], event=claims["event"], role=role,
                expires_at=int(claims["exp"]))
