"""How usernames and e-mail addresses are compared: the one definition signup, login, the login limits and the
uniqueness keys (accounts.models.Account) all use, so "Alice", " alice " and "ＡＬＩＣＥ" are one name everywhere.
"""
import unicodedata

from confusable_homoglyphs import confusables


def normalize_username(username: str) -> str:
    """The username as stored: NFKC (as Django's own AbstractBaseUser.normalize_username), surrounding spaces
    removed. Case is kept for display."""
    return unicodedata.normalize("NFKC", username).strip()


def username_key(username: str) -> str:
    """The comparison key: normalised, then case-folded (and NFKC again, as case folding can denormalise)."""
    return unicodedata.normalize("NFKC", normalize_username(username).casefold())


def is_mixed_script_confusable(username: str) -> bool:
    """A name mixing scripts with characters that look like another script's (a Cyrillic "а" in "аlice").

    confusable_homoglyphs' is_dangerous: mixed script *and* confusable, so names written wholly in one script
    (Cyrillic, Greek, ...) stay allowed.
    """
    return bool(confusables.is_dangerous(normalize_username(username)))


def email_key(email: str | None) -> str | None:
    """Addresses compare case-insensitively (in practice no provider distinguishes the local part's case);
    no address, no key."""
    email = (email or "").strip()
    return email.lower() if email else None
