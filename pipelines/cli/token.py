"""``citybrain token ...``: issue and revoke case API tokens (see ``citybrain.auth``)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from citybrain import auth
from citybrain.settings import load
from pipelines.cli import app

token_app = typer.Typer(
    help="Case API tokens (signed with CITYBRAIN_API_SECRET).", no_args_is_help=True
)
app.add_typer(token_app, name="token")


def _secret() -> str:
    secret = load().api_secret
    if problem := auth.secret_problem(secret):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    assert secret is not None
    return secret


@token_app.command("issue")
def issue(
    role: str = typer.Option(..., help=f"one of {', '.join(auth.API_ROLES)}"),
    subject: str = typer.Option(..., help="who holds the token (staff or system id)"),
    department: str | None = typer.Option(
        None, help="department id (department_handler tokens only)"
    ),
    ttl_h: float = typer.Option(
        auth.DEFAULT_TTL_H, help=f"hours valid, at most {auth.MAX_TTL_H:g}"
    ),
) -> None:
    """Print a new token on stdout; its id and expiry go to stderr."""
    secret = _secret()
    try:
        claims = auth.new_claims(
            subject=subject,
            role=role,
            department_id=department,
            ttl_h=ttl_h,
            now_at=datetime.now(UTC),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(auth.sign(claims, secret=secret))
    typer.echo(f"token id {claims.token_id}, expires {claims.expires_at.isoformat()}", err=True)


@token_app.command("revoke")
def revoke(token: str = typer.Argument(..., help="a token, or a token id")) -> None:
    """Append the token's id to CITYBRAIN_API_REVOKED_FILE (read by running workers)."""
    path = load().api_revoked_file
    if path is None:
        typer.echo(
            "set CITYBRAIN_API_REVOKED_FILE (or add the id to CITYBRAIN_API_REVOKED)", err=True
        )
        raise typer.Exit(2)
    if auth.is_token_id(token):
        token_id = token
    else:
        try:
            token_id = auth.decode(token, secret=_secret()).token_id
        except auth.TokenError as exc:
            raise typer.BadParameter(exc.message) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{token_id}\n")
    typer.echo(f"revoked {token_id} (in {path})")
