from common.throttles import PerUserThrottle


class VoucherCheckUserThrottle(PerUserThrottle):
    scope = "voucher_check_user"
