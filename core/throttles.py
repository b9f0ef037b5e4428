"""The seat sale's abuse limits, per signed-in user (rates in settings.REST_FRAMEWORK; common.throttles)."""
from common.throttles import PerUserThrottle


class BookingUserThrottle(PerUserThrottle):
    scope = "booking_user"


class HoldUserThrottle(PerUserThrottle):
    scope = "hold_user"


class CancelUserThrottle(PerUserThrottle):
    scope = "cancel_user"
