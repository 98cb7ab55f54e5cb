"""Shared by the adapter scripts: an error's message goes to the rule's log as well as
to the terminal, so that "check log file(s) for error details" finds it."""

import sys


def log_errors(log_path: str) -> None:
    """Append any uncaught exception's type and message to ``log_path``."""

    def hook(exc_type, exc, tb):
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{exc_type.__name__}: {exc}\n")
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook
