"""The catalogue of pattern rules (DESIGN §4): what each watches for, why it matters, defaults.

Each rule is described here once — code, title, severity, a plain-language explanation with
its clinical source (shown to therapists and supervisors), its default thresholds, and whether
it depends on the clock. The finding logic lives beside it in ``supervision.findings``; the
engine that turns findings into flags is ``supervision.engine``.
"""

from dataclasses import dataclass, field

from supervision.models import RuleCode, Severity

# How long a supervisor has to acknowledge a new flag, by severity. A critical flag is due
# within working days (weekends skipped), the others within calendar days.
ACKNOWLEDGE_WITHIN = {
    Severity.CRITICAL: ("working_days", 1),
    Severity.HIGH: ("days", 3),
    Severity.MEDIUM: ("days", 7),
    Severity.LOW: ("days", 14),
}


@dataclass(frozen=True)
class Threshold:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: str
    fires_when: str
    why_it_matters: str
    source: str
    thresholds: tuple[Threshold, ...] = field(default=())
    # Clock-based rules can start or stop firing with no save at all: the schedule runs them.
    clock_based: bool = False

    @property
    def defaults(self) -> dict[str, int]:
        return {threshold.key: threshold.default for threshold in self.thresholds}


WINDOW = "Window (days)"

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code=RuleCode.THERAPIST_HIGH_RISK,
            title="Therapist-initiated high-risk incident",
            severity=Severity.CRITICAL,
            fires_when=(
                "The therapist initiated an incident in physical contact, dual relationships or gifts and "
                "money, or any therapist-initiated incident is classified as a violation."
            ),
            why_it_matters=(
                "The therapist holds the responsibility for the frame. Crossings the therapist starts in "
                "touch, outside relationships or money are the ones that most often precede exploitation, "
                "so they are reviewed at once, not when a pattern has formed."
            ),
            source="Gutheil & Gabbard (1993), Am J Psychiatry 150:188-196; APA Ethics Code 3.05, 3.08, 10.05; "
            "ACA Code of Ethics A.5-A.6.",
        ),
        Rule(
            code=RuleCode.SLIPPERY_SLOPE,
            title="Slippery slope",
            severity=Severity.HIGH,
            fires_when=(
                "Within the window, one client's incidents, in the order they happened, number at least the "
                "minimum and their harm never decreases; or they span at least the given number of categories."
            ),
            why_it_matters=(
                "Serious violations are rarely sudden: they are usually reached through a sequence of small "
                "crossings that each seemed harmless. Harm that keeps rising, or crossings spreading to new "
                "kinds of boundary, is that sequence in progress."
            ),
            source="Gutheil & Gabbard (1998), Am J Psychiatry 155:409-414; Strasburger, Jorgenson & Sutherland "
            "(1992), Am J Psychotherapy 46:544-555.",
            thresholds=(
                Threshold("window_days", WINDOW, 90, 7, 365),
                Threshold("min_incidents", "Incidents with non-decreasing harm", 3, 2, 20),
                Threshold("min_categories", "Distinct categories", 3, 2, 7),
            ),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.TIME_OVERRUNS,
            title="Repeated session overruns",
            severity=Severity.MEDIUM,
            fires_when="One client has at least the minimum number of sessions within the window that ended "
            "at least the given number of minutes after their scheduled end.",
            why_it_matters=(
                "Time is the most common first boundary to give way. Sessions that keep running over with one "
                "client often mean that client is being treated as special, which is worth naming in "
                "supervision before it spreads."
            ),
            source="Gutheil & Gabbard (1993); Epstein & Simon (1990), Exploitation Index, Bull Menninger Clin "
            "54:450-465.",
            thresholds=(
                Threshold("window_days", WINDOW, 30, 7, 365),
                Threshold("min_sessions", "Sessions that overran", 3, 2, 20),
                Threshold("overrun_minutes", "Minutes past the scheduled end", 10, 1, 120),
            ),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.REPEATED_CATEGORY,
            title="Repeated incidents in one category",
            severity=Severity.MEDIUM,
            fires_when="One client has at least the minimum number of incidents in one category within the "
            "window, whoever initiated them.",
            why_it_matters=(
                "A boundary that is crossed again and again, by either side, is no longer holding. The "
                "agreement may need revisiting with the client, or the therapist may need support holding it."
            ),
            source="Gutheil & Gabbard (1993); Zur (2007), Boundaries in Psychotherapy, APA Books.",
            thresholds=(
                Threshold("window_days", WINDOW, 60, 7, 365),
                Threshold("min_incidents", "Incidents in one category", 3, 2, 20),
            ),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.DISCLOSURE_PATTERN,
            title="Pattern of therapist self-disclosure",
            severity=Severity.MEDIUM,
            fires_when="One client has at least the minimum number of self-disclosure incidents initiated by "
            "the therapist within the window.",
            why_it_matters=(
                "Occasional, deliberate self-disclosure can help; repeated disclosure by the therapist tends to "
                "shift the work towards the therapist's needs and is a recognised early sign of role reversal."
            ),
            source="Gutheil & Gabbard (1993); Epstein & Simon (1990); APA Ethics Code 3.06.",
            thresholds=(
                Threshold("window_days", WINDOW, 30, 7, 365),
                Threshold("min_incidents", "Therapist-initiated disclosures", 3, 2, 20),
            ),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.MISSING_PRECAUTIONS,
            title="Missing precautions",
            severity=Severity.HIGH,
            fires_when="An incident with harm of at least the given level still lacks a rationale, the client's "
            "consent or a consultation some hours after it was documented.",
            why_it_matters=(
                "A crossing that caused harm is defensible and reparable when its rationale, the client's "
                "consent and a colleague's advice are on record; without them it cannot be reviewed or learned "
                "from."
            ),
            source="Younggren & Gottlieb (2004), Prof Psychol Res Pr 35:255-260; APA Record Keeping "
            "Guidelines (2007).",
            thresholds=(
                Threshold("grace_hours", "Hours allowed to complete the record", 72, 1, 720),
                Threshold("min_harm", "Harm level (0 none, 1 low, 2 moderate, 3 severe)", 2, 1, 3),
            ),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.FOLLOW_UP_OVERDUE,
            title="Follow-up overdue",
            severity=Severity.MEDIUM,
            fires_when="A follow-up's due date has passed and it is not marked done.",
            why_it_matters="A follow-up promised after an incident is part of the repair; when it slips, the "
            "client experiences the boundary as negotiable.",
            source="Younggren & Gottlieb (2004).",
            clock_based=True,
        ),
        Rule(
            code=RuleCode.UNSIGNED_ENTRY,
            title="Unsigned entry",
            severity=Severity.LOW,
            fires_when="A session or incident is still unsigned some hours after it was documented.",
            why_it_matters="An unsigned entry can still change, so it cannot yet be relied on in review or in "
            "a complaint; timely signing is also a record-keeping duty.",
            source="APA Record Keeping Guidelines (2007), guideline 7.",
            thresholds=(Threshold("grace_hours", "Hours allowed before signing", 72, 1, 720),),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.AGREEMENT_REVIEW_DUE,
            title="Agreement review due",
            severity=Severity.LOW,
            fires_when="An active agreement's next review date has passed.",
            why_it_matters="Agreements drift from the work as it changes; a review keeps the client's "
            "understanding and the therapist's practice in step.",
            source="ACA Code of Ethics A.2.a (informed consent as an ongoing process).",
            clock_based=True,
        ),
        Rule(
            code=RuleCode.INTAKE_INCOMPLETE,
            title="Intake incomplete",
            severity=Severity.LOW,
            fires_when="An active client's intake was at least the given number of days ago and they lack an "
            "active agreement in at least one core category (time, physical, disclosure, dual relationships).",
            why_it_matters="Boundaries that were never agreed cannot be held or reviewed; the core four are "
            "the ones every therapy meets.",
            source="Gutheil & Gabbard (1993); ACA Code of Ethics A.2.",
            thresholds=(Threshold("grace_days", "Days after intake", 14, 1, 120),),
            clock_based=True,
        ),
        Rule(
            code=RuleCode.THERAPIST_PATTERN,
            title="Therapist-level pattern",
            severity=Severity.HIGH,
            fires_when=(
                "Within the window, the therapist initiated incidents with at least the given number of "
                "different clients; or one client accounts for more than half of the therapist's "
                "therapist-initiated incidents, when there are at least the given number of them."
            ),
            why_it_matters=(
                "Some risk belongs to the therapist rather than to one therapy: crossings started with many "
                "clients suggest a general loosening of practice, and crossings concentrated on one client "
                "suggest a special relationship forming. Both are matters for supervision and self-care."
            ),
            source="Epstein & Simon (1990); Gabbard & Lester (1995), Boundaries and Boundary Violations in "
            "Psychoanalysis.",
            thresholds=(
                Threshold("window_days", WINDOW, 90, 7, 365),
                Threshold("min_clients", "Different clients", 3, 2, 50),
                Threshold("min_incidents", "Incidents for the one-client test", 4, 2, 50),
            ),
            clock_based=True,
        ),
    )
}


def thresholds_for(practice, rule: str) -> tuple[bool, dict[str, int]]:
    """Whether ``rule`` is enabled in ``practice``, and its thresholds with defaults filled in."""
    return resolve_setting(rule, practice.rule_settings.filter(rule=rule).first())


def resolve_setting(rule: str, setting) -> tuple[bool, dict[str, int]]:
    """The same from a ``RuleSetting`` already fetched (or None): a sweep fetches them all at once."""
    merged = RULES[rule].defaults
    if setting is None:
        return True, merged
    merged.update({key: value for key, value in setting.thresholds.items() if key in merged})
    return setting.enabled, merged
