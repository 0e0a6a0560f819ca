"""Default thresholds of the rules of DESIGN §4; a practice overrides them per rule."""

from supervision.models import RuleCode

DEFAULT_THRESHOLDS: dict[str, dict[str, int]] = {
    RuleCode.THERAPIST_HIGH_RISK: {"acknowledge_within_working_days": 1},
    RuleCode.SLIPPERY_SLOPE: {"window_days": 90, "min_incidents": 3, "min_categories": 3},
    RuleCode.TIME_OVERRUNS: {"window_days": 30, "min_sessions": 3, "overrun_minutes": 10},
    RuleCode.REPEATED_CATEGORY: {"window_days": 60, "min_incidents": 3},
    RuleCode.DISCLOSURE_PATTERN: {"window_days": 30, "min_incidents": 3},
    RuleCode.MISSING_PRECAUTIONS: {"grace_hours": 72},
    RuleCode.FOLLOW_UP_OVERDUE: {},
    RuleCode.UNSIGNED_ENTRY: {"grace_hours": 72},
    RuleCode.AGREEMENT_REVIEW_DUE: {},
    RuleCode.INTAKE_INCOMPLETE: {"grace_days": 14},
    RuleCode.THERAPIST_PATTERN: {"window_days": 90, "min_clients": 3, "min_incidents": 4},
}


def thresholds_for(practice, rule: str) -> tuple[bool, dict[str, int]]:
    """Whether ``rule`` is enabled in ``practice``, and its thresholds with defaults filled in."""
    setting = practice.rule_settings.filter(rule=rule).first()
    merged = dict(DEFAULT_THRESHOLDS[rule])
    if setting is None:
        return True, merged
    merged.update({key: value for key, value in setting.thresholds.items() if key in merged})
    return setting.enabled, merged
