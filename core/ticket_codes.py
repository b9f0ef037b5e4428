"""Ticket codes: what the QR code on a ticket carries and the door scans.

Random, not signed (pretix's default): 26 characters from a 31-letter alphabet without look-alikes (no 0/O, 1/I/L,
no lower case) is log2(31) * 26 ≈ 128.8 bits from `secrets`, so a code cannot be guessed, and a scanned code is
looked up in the database, which is what makes it revocable (a cancelled ticket stops admitting at once).
Uppercase letters and digits are URL-safe and are what QR codes encode most compactly (alphanumeric mode).
"""
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 26


# Every code is a number below 31**26 written in base 31 with this alphabet's letters as digits, so one uniform
# draw of that number gives exactly the distribution of 26 independent `secrets.choice` draws, at a tenth of the
# CPU (the choices cost ~45 µs of every booking, measured with bench/profile_booking.py).
_CODES = len(ALPHABET) ** LENGTH


def new_ticket_code() -> str:
    number = secrets.randbelow(_CODES)
    letters = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)
