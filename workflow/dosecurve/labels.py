"""Words that name what a number is: the confidence level and the clock of the analysis.

Every sentence, header, axis and caption takes its wording from here, so that a changed
``conf_level`` or ``time_unit`` changes every label with it.
"""

from __future__ import annotations


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
