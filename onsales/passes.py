"""The waiting room's pass: a signed statement "account U was admitted to on-sale O; valid until X".

The pass is stateless, so the booking path checks it without Redis or the database: a forged or altered token
fails the signature (django.core.signing, with a salt of its own so no other signed value of the project can be
replayed as a pass); a pass is refused for another account, another on-sale, or after its expiry. It is
deterministic (no timestamp of its signing inside): asking for it again, from a reload or a second tab, gives the
same token with the same expiry, so an account has exactly one pass per on-sale (decision 0033).
"""
from datetime import datetime

from django.core import signing

SALT = "onsales.queue-pass"


def pass_token(*, onsale_id: int, user_id: int, expires_at: datetime) -> str:
    return signing.Signer(salt=SALT).sign_object({"o": onsale_id, "u": user_id, "x": int(expires_at.timestamp())})


def pass_valid(token: str | None, *, onsale_id: int, user_id: int, now: datetime) -> bool:
    """True when `token` is a pass this project signed, for `user_id` and `onsale_id`, not expired at `now`."""
    if not token:
        return False
    try:
        claims = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    if not isinstance(claims, dict):
        return False
    return (claims.get("o") == onsale_id and claims.get("u") == user_id
            and isinstance(claims.get("x"), int) and now.timestamp() < claims["x"])
