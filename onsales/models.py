"""An on-sale: the moment the seats of some shows go on sale behind a waiting room (docs/operations.md).

The waiting line itself lives in Redis (onsales.line); the database holds only what staff decided.
"""
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OnSale(models.Model):
    name = models.CharField(max_length=200, blank=True,
                            help_text="For staff, e.g. 'Dune: Part Three, opening weekend'.")
    shows = models.ManyToManyField("core.Show", related_name="onsales",
                                   help_text="Holding or booking a seat of these shows needs a pass from the "
                                             "waiting room while the on-sale is enabled and not closed.")
    opens_at = models.DateTimeField(help_text="Visitors who arrive before this are put in random order at it.")
    admit_per_minute = models.PositiveIntegerField(validators=[MinValueValidator(1)],
                                                   help_text="Visitors admitted per minute, one after another.")
    pass_minutes = models.PositiveIntegerField(default=15, validators=[MinValueValidator(1)],
                                               help_text="How long an admitted visitor's pass is valid, counted "
                                                         "from their admission.")
    rate_from_capacity = models.BooleanField(
        default=False, verbose_name=_("Rate from measured capacity"),
        help_text=_("On: visitors are admitted at the rate the service's measured capacity allows, at most "
                    "'admit per minute'; without a measurement, at 'admit per minute'."))
    enabled = models.BooleanField(default=True, help_text="Off: no waiting room, the shows sell as usual.")
    closes_at = models.DateTimeField(null=True, blank=True,
                                     help_text="From this time the waiting room is lifted and the shows sell as "
                                               "usual (empty: until staff disable it).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(admit_per_minute__gte=1), name="onsale_admit_per_minute_positive"),
            models.CheckConstraint(condition=Q(pass_minutes__gte=1), name="onsale_pass_minutes_positive"),
            models.CheckConstraint(condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                                   name="onsale_closes_after_it_opens"),
        ]

    def __str__(self):
        return self.name or f"On-sale {self.pk} at {self.opens_at:%Y-%m-%d %H:%M}"

    def gate_closed(self, now) -> bool:
        """Whether the shows sell without a pass at `now`: disabled, or past `closes_at`."""
        return not self.enabled or (self.closes_at is not None and now >= self.closes_at)
