"""The admin index's link to the reports, for the users whose role may read them (accounts.roles)."""
from django import template

from accounts.roles import MANAGER, has_role

register = template.Library()


@register.simple_tag(takes_context=True)
def may_see_reports(context) -> bool:
    return has_role(context["request"].user, MANAGER)
