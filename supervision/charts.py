"""The dashboards' charts: one aggregate query each, shaped for Chart.js and for a data table.

Callers pass querysets already scoped with ``for_user``, so a supervisor's charts cover their
current supervisees and an admin's the whole practice. Weeks start on Monday in the current
(the practice's) time zone; a week with nothing in it is drawn as zero, not left out.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Q, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone

from boundaries.models import Category
from sessions_log.models import Classification
from supervision.models import FlagStatus

WEEKS = 12


@dataclass(frozen=True)
class Chart:
    """A chart's data: one label per x position and one series of numbers per legend entry."""

    key: str
    title: str
    kind: str  # a Chart.js type: bar or line
    labels: list[str]
    series: list[tuple[str, list[int]]]
    stacked: bool = False
    horizontal: bool = False
    label_heading: str = "Week of"

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def data(self) -> dict:
        """What ``static/js/charts.js`` reads through ``json_script``."""
        return {
            "type": self.kind,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "labels": self.labels,
            "datasets": [{"label": name, "data": values} for name, values in self.series],
        }

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The same numbers by row, for the accessible table behind the chart."""
        return [(label, [values[i] for _name, values in self.series]) for i, label in enumerate(self.labels)]

    @property
    def is_empty(self) -> bool:
        return not any(any(values) for _name, values in self.series)


def week_starts(weeks: int = WEEKS, *, today: datetime.date | None = None) -> list[datetime.date]:
    """The Mondays of the last ``weeks`` weeks, this one last."""
    today = today or timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    return [this_monday - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _week(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def incidents_by_category(incidents, *, weeks: list[datetime.date] | None = None) -> Chart:
    weeks = weeks or week_starts()
    counts = {
        (_week(row["week"]), row["category"]): row["n"]
        for row in incidents.filter(occurred_at__gte=_start_of(weeks[0]))
        .annotate(week=TruncWeek("occurred_at"))
        .values("week", "category")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return Chart(
        key="incidents-by-category",
        title=f"Incidents per week by category, last {len(weeks)} weeks",
        kind="bar",
        stacked=True,
        labels=[f"{week:%Y-%m-%d}" for week in weeks],
        series=[
            (category.label, [counts.get((week, category.value), 0) for week in weeks])
            for category in Category
        ],
    )


def incidents_by_therapist(incidents, *, weeks: list[datetime.date] | None = None) -> Chart:
    """Crossings and violations per therapist (the final classification where set)."""
    weeks = weeks or week_starts()
    rows = list(
        incidents.filter(occurred_at__gte=_start_of(weeks[0]))
        .values(
            "client__therapist",
            "client__therapist__first_name",
            "client__therapist__last_name",
            "client__therapist__username",
        )
        .annotate(
            crossings=Count("pk", filter=Q(classification=Classification.CROSSING)),
            violations=Count("pk", filter=Q(classification=Classification.VIOLATION)),
        )
        .order_by("client__therapist__last_name", "client__therapist__first_name", "client__therapist")
    )
    names = [
        f"{row['client__therapist__first_name']} {row['client__therapist__last_name']}".strip()
        or row["client__therapist__username"]
        for row in rows
    ]
    return Chart(
        key="incidents-by-therapist",
        title=f"Incidents by therapist, crossings and violations, last {len(weeks)} weeks",
        kind="bar",
        stacked=True,
        horizontal=True,
        label_heading="Therapist",
        labels=names,
        series=[
            ("Crossings", [row["crossings"] for row in rows]),
            ("Violations", [row["violations"] for row in rows]),
        ],
    )


def flags_opened_and_closed(flags, *, weeks: list[datetime.date] | None = None) -> Chart:
    """Flags opened, resolved and dismissed per week: one UNION query of two grouped halves."""
    weeks = weeks or week_starts()
    since = _start_of(weeks[0])
    zero = Value(0, output_field=IntegerField())
    opened = (
        flags.filter(opened_at__gte=since)
        .annotate(week=TruncWeek("opened_at"))
        .values("week")
        .annotate(opened=Count("pk"), resolved=zero, dismissed=zero)
        .values_list("week", "opened", "resolved", "dismissed")
        .order_by()
    )
    closed = (
        flags.filter(closed_at__gte=since)
        .annotate(week=TruncWeek("closed_at"))
        .values("week")
        .annotate(
            opened=zero,
            resolved=Count("pk", filter=Q(status=FlagStatus.RESOLVED)),
            dismissed=Count("pk", filter=Q(status=FlagStatus.DISMISSED)),
        )
        .values_list("week", "opened", "resolved", "dismissed")
        .order_by()
    )
    totals: dict[datetime.date, list[int]] = {week: [0, 0, 0] for week in weeks}
    for week, *numbers in opened.union(closed, all=True):
        for i, number in enumerate(numbers):
            totals.setdefault(_week(week), [0, 0, 0])[i] += number
    return Chart(
        key="flags-opened-closed",
        title=f"Flags opened, resolved and dismissed per week, last {len(weeks)} weeks",
        kind="line",
        labels=[f"{week:%Y-%m-%d}" for week in weeks],
        series=[
            (name, [totals[week][i] for week in weeks])
            for i, name in enumerate(["Opened", "Resolved", "Dismissed"])
        ],
    )


def dashboard_charts(*, incidents, flags) -> list[Chart]:
    weeks = week_starts()
    return [
        incidents_by_category(incidents, weeks=weeks),
        incidents_by_therapist(incidents, weeks=weeks),
        flags_opened_and_closed(flags, weeks=weeks),
    ]
