"""Budgets, after the vote: when results are public, vote counts and ranks, the winners
under the component's winner rule, confirming them, the published ballots and receipts, and
the exports (CSV, pabulib .pb) and the .pb import for recounts."""

import hashlib
import re

from decide.components.budgets.models import Budget
from decide.spaces.services import component_settings


def voting_open(budget: Budget) -> bool:
    """Ballots can be changed and checked out now."""
    return not budget.is_closed and bool(component_settings(budget.component)["voting_enabled"])


def voting_ended(budget: Budget) -> bool:
    """Voting is over: the budget is closed, or voting is off now and was on in an earlier
    phase of the process (before the vote, voting is off too, but nothing has ended)."""
    if budget.is_closed:
        return True
    component = budget.component
    if component_settings(component)["voting_enabled"]:
        return False
    for phase in component.process.phases:  # in order
        if phase.active:
            return False
        if (component.phase_settings or {}).get(str(phase.id), {}).get("voting_enabled"):
            return True
    return False


def votes_shown(budget: Budget) -> bool:
    """Vote counts may be shown now: the phase says so, or voting is over and the component
    shows votes after voting."""
    settings = component_settings(budget.component)
    return bool(settings["show_votes"]
                or (settings["show_votes_after_voting"] and voting_ended(budget)))


def results_public(budget: Budget) -> bool:
    """Results, winners, the anonymous ballots and the receipts list are published."""
    return voting_ended(budget) and votes_shown(budget)


# What a receipt code is compared on: spaces and dashes do not count, nor the letter case.
RECEIPT_SEPARATORS = re.compile(r"[\s-]+")


def receipt_hash(code: str) -> str:
    """The SHA-256 (hex) a receipt code is kept and published as; the code is never stored."""
    normalized = RECEIPT_SEPARATORS.sub("", (code or "").upper())
    return hashlib.sha256(normalized.encode()).hexdigest()
