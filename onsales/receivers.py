"""What the waiting room does when its own records change (connected in OnsalesConfig.ready())."""
import logging

import redis
from django.db import transaction
from django.db.models.signals import post_delete

from onsales import line
from onsales.models import OnSale

logger = logging.getLogger(__name__)


def _forget_line(sender, instance, **kwargs):
    """A deleted on-sale's line goes from Redis once the deletion commits (rather than staying until its keys
    expire); Redis being away only leaves them to expire."""
    onsale_id = instance.pk

    def forget():
        try:
            line.forget(onsale_id)
        except redis.RedisError:
            logger.warning("The line of deleted on-sale %s stays in Redis until it expires.", onsale_id)

    transaction.on_commit(forget)


post_delete.connect(_forget_line, sender=OnSale, dispatch_uid="onsales.forget_line")
