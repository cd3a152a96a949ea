"""Template filters for common.formats: {{ value|day }}, {{ value|visit_day }}, {{ value|moment }},
{{ amount|money:currency }}."""

from django import template

from common import formats

register = template.Library()

register.filter("day", formats.day)
register.filter("visit_day", formats.visit_day)
register.filter("moment", formats.moment)


@register.filter
def money(amount: object, currency: str = "USD") -> str:
    return formats.money(amount, currency or "USD")  # type: ignore[arg-type]
