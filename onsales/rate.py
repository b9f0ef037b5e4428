"""The admission rate an on-sale applies now: the one staff set, or one derived from the service's measured
capacity under staff's ceiling (decision 0054). The only home of that rule: the line's turns (services) and the
on-sale's API answer (serializers) both ask here."""
import math
from dataclasses import dataclass

from django.conf import settings

from common import capacity

STAFF = "staff"
CAPACITY = "capacity"
NO_MEASUREMENT = "staff (no measurement)"


@dataclass(frozen=True)
class AdmissionRate:
    per_minute: int
    source: str  # STAFF: staff's rate (or their ceiling, lower than the derived one); CAPACITY; NO_MEASUREMENT


def derived_per_minute(requests_per_second: float) -> int:
    """Visitors a minute that `requests_per_second` of capacity can take: the on-sale's share of it
    (ONSALE_CAPACITY_SHARE), divided by what one admitted visitor's purchase costs in requests
    (ONSALE_REQUESTS_PER_VISITOR). Rounded down (never over the capacity), at least 1 (a line always moves)."""
    per_minute = requests_per_second * 60 * settings.ONSALE_CAPACITY_SHARE / settings.ONSALE_REQUESTS_PER_VISITOR
    return max(1, math.floor(per_minute))


def admission_rate(onsale) -> AdmissionRate:
    """The rate `onsale` admits visitors at now. With `rate_from_capacity`, `admit_per_minute` is a ceiling and the
    measured capacity (common.capacity, read at most once a second per process) decides below it; without a
    measurement (no process reports one, or Redis does not answer) the ceiling applies."""
    if not onsale.rate_from_capacity:
        return AdmissionRate(onsale.admit_per_minute, STAFF)
    measured = capacity.measured_requests_per_second()
    if measured is None:
        return AdmissionRate(onsale.admit_per_minute, NO_MEASUREMENT)
    derived = derived_per_minute(measured)
    if derived >= onsale.admit_per_minute:
        return AdmissionRate(onsale.admit_per_minute, STAFF)
    return AdmissionRate(derived, CAPACITY)
