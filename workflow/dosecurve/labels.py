"""Words that name what a number is: the confidence level and the clock of the analysis.

Every sentence, header, axis and caption takes its wording from here, so that a changed
``conf_level`` or ``time_unit`` changes every label with it.
"""

from __future__ import annotations

from dataclasses import dataclass


def level_text(conf_level: float) -> str:
    """A confidence level as people write it.

    >>> level_text(0.95), level_text(0.9), level_text(0.975)
    ('95 %', '90 %', '97.5 %')
    """
    return f"{round(100 * conf_level, 6):g} %"


def ci_label(conf_level: float) -> str:
    """'95 % CI' for a table header or a sentence.

    >>> ci_label(0.8)
    '80 % CI'
    """
    return f"{level_text(conf_level)} CI"


UNITS = {"sessions": "session", "weeks": "week", "months": "month", "days": "day"}


@dataclass(frozen=True)
class Clock:
    """The analysis clock (``time_unit``): what the file's session column counts. The
    numbers are computed the same way; every sentence, axis and caption names the unit.

    >>> Clock("weeks").axis, Clock("weeks").by(8), Clock().by(8)
    ('Weeks since intake', 'by week 8', 'by session 8')
    """

    unit: str = "sessions"

    @property
    def singular(self) -> str:
        return UNITS[self.unit]

    @property
    def is_sessions(self) -> bool:
        """Session-based literature (Howard 1986, Nordmo 2021) compares only on this clock."""
        return self.unit == "sessions"

    @property
    def axis(self) -> str:
        return "Sessions attended" if self.is_sessions else f"{self.unit.capitalize()} since intake"

    @property
    def title(self) -> str:
        """'Sessions' or 'Weeks', to start a heading."""
        return self.unit.capitalize()

    def by(self, k: object) -> str:
        return f"by {self.singular} {k}"
