"""Beat keeps the programme-wide figures of the last twelve months worked out, so the insights
page opens at once for staff (insights.figures.figures_kept)."""

from celery import shared_task
from django.utils import timezone

from common.periodic import periodic_run
from insights.figures import figures_kept
from insights.selectors import InsightScope, default_period, visits_per_day
from relicensing.models import Vendor


def programme_figures_work_out() -> int:
    """The figures staff see first (every vendor, the last twelve months), worked out again and
    kept; the number of figures."""
    start, end = default_period(timezone.localdate())
    scope = InsightScope(start=start, end=end)
    kept = figures_kept(scope, visits_per_day=visits_per_day(None, list(Vendor.objects.all())), fresh=True)
    return len(kept.figures)


@shared_task(name="insights.tasks.insights_work_out")
def insights_work_out() -> int | None:
    return periodic_run(job="insights-work-out", work=programme_figures_work_out)
