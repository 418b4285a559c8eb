"""What every HTTP handler shares: errors as problems, bodies, path values, the bearer, and
the organiser's guard (the admin key, or an organiser's token from sign-in)."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..auth import User
from ..errors import Code, ProtocolError, bad_request
from ..messages import Role, Slug, convert, decode
from ..services import Services

MAX_BODY = 256 * 1024
T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]

STATUS = {
    Code.bad_request: 400, Code.unauthorized: 401, Code.forbidden: 403, Code.not_found: 404,
    Code.conflict: 409, Code.rate_limited: 429, Code.too_large: 413, Code.unavailable: 503,
}


def problem(error: ProtocolError) -> JSONResponse:
    return JSONResponse({"error": error.as_dict()}, status_code=STATUS.get(error.code, 500))


def answers_problems(handler: Handler) -> Handler:
    """A refusal raised anywhere in the handler becomes its JSON problem."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ProtocolError as exc:
            return problem(exc)

    return wrapped


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ProtocolError(Code.too_large, f"The body is larger than {MAX_BODY} bytes.")
    return body


async def json_body(request: Request) -> Any:
    try:
        return decode(await raw_body(request))
    except msgspec.DecodeError:
        raise bad_request("The body is not valid JSON.") from None


async def typed_body(request: Request, into: type[T]) -> T:
    return convert(await json_body(request), into)


def path_slug(request: Request, name: str) -> str:
    slug: str = convert(request.path_params[name], Slug)
    return slug


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise ProtocolError(Code.unauthorized, "Send `Authorization: Bearer <key or token>`.")
    return value.strip()


def reply(value: Any, status: int = 200) -> Response:
    """A typed value as JSON, encoded by msgspec like every frame of the protocol."""
    return Response(msgspec.json.encode(value), status_code=status,
                    media_type="application/json")


async def require_organiser(request: Request) -> None:
    """The admin key, or an organiser's token (OIDC sign-in): else `unauthorized`."""
    services = services_of(request)
    given = bearer(request)
    if hmac.compare_digest(given.encode(), services.settings.admin_key.encode()):
        return
    user = await services.tokens.read(given)
    if not user.organiser:
        raise ProtocolError(Code.unauthorized, "The admin key is not valid.")


async def require_user(request: Request, event_id: str, role: Role, what: str) -> User:
    """A token of this event with at least `role`; `forbidden` otherwise."""
    user = await services_of(request).tokens.read(bearer(request))
    if user.event != event_id or not user.can(role):
        raise ProtocolError(Code.forbidden, f"{what} is for this event's {role.name}s.")
    return user
