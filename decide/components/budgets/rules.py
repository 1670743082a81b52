"""The two winner rules, exact: integers and fractions.Fraction only, never a float.

Pure functions: no database, no Flask. A project is `(id, cost)` with `id` a string and
`cost` a whole number of currency units; a ballot is the ids of the projects a voter
approves; the budget total is a whole number of currency units.

- `greedy`: projects by votes, highest first; each is funded when it still fits in the money
  left (CONSUL's and most cities' rule).
- `equal_shares`: the Method of Equal Shares with cost utilities, completed by Add1 and,
  optionally, by the greedy rule (as the reference implementation of equalshares.net).
  Add1 starts from the whole-unit share floor(total / voters): with it, Wieliczka 2023's
  official result comes out (30 projects, 995,079 PLN, at 315 PLN per voter). Where many
  steps of Add1 would change nothing (few voters, large amounts), it goes straight to the
  next share that can change the outcome (`_Election.unchanged_below`), an exact shortcut.

Ties are broken the same way everywhere: lower cost, then (MES) more votes, then the lower
project id. Ids compare as numbers when both are numbers (ASCII digits), otherwise as text;
to keep one total order, an id that is a number comes before one that is not (this differs
from comparing as text only for a text id that starts with a digit or punctuation).
"""

import re
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from fractions import Fraction
from math import ceil
from math import gcd

GREEDY = "greedy"
EQUAL_SHARES = "equal_shares"

_NUMBER = re.compile(r"[0-9]+")
_RANK_BITS = 32


@dataclass(frozen=True)
class Outcome:
    """The result of a rule: the funded projects in the order the rule chose them."""

    rule: str  # GREEDY or EQUAL_SHARES
    winners: tuple[str, ...]
    total_cost: int
    budget: int
    options: dict = field(default_factory=dict)  # the MES options, as passed
    # MES: each voter's share in the outcome kept by Add1 (a whole number, or the exact
    # budget / voters when Add1 kept the first outcome); None for greedy.
    share: Fraction | int | None = None
    # MES: the winners chosen by the Method of Equal Shares itself, before the greedy pass.
    mes_winners: tuple[str, ...] = ()

    @property
    def left(self) -> int:
        """The money not spent."""
        return self.budget - self.total_cost


def id_key(project_id: str) -> tuple:
    """The sort key of a project id: numbers as numbers, before text ids compared as text."""
    if _NUMBER.fullmatch(project_id):
        return (0, int(project_id), project_id)
    return (1, project_id)


def count_votes(ballots: Iterable[Iterable[str]]) -> dict[str, int]:
    """How many ballots approve each project (a project twice in a ballot counts once)."""
    counts: Counter[str] = Counter()
    for ballot in ballots:
        counts.update(set(ballot))
    return dict(counts)


def _check(projects: Iterable[tuple[str, int]], total: int) -> dict[str, int]:
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ValueError("the budget total must be a whole number, not negative")
    costs: dict[str, int] = {}
    for project_id, cost in projects:
        if project_id in costs:
            raise ValueError(f"project {project_id!r} is given twice")
        if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
            raise ValueError(f"the cost of project {project_id!r} must be a whole number, "
                             "not negative")
        costs[str(project_id)] = cost
    return costs


def _greedy_order(costs: Mapping[str, int], votes: Mapping[str, int]) -> list[str]:
    """Projects with votes: most votes first, then lower cost, then lower id."""
    return sorted((p for p in costs if votes.get(p, 0) > 0),
                  key=lambda p: (-votes[p], costs[p], id_key(p)))


def _fill_greedily(costs, votes, left: int, skip=frozenset()) -> list[str]:
    chosen = []
    for project_id in _greedy_order(costs, votes):
        if project_id not in skip and costs[project_id] <= left:
            chosen.append(project_id)
            left -= costs[project_id]
    return chosen


def greedy(projects: Iterable[tuple[str, int]], votes_per_project: Mapping[str, int],
           total: int) -> Outcome:
    """Projects by votes, highest first; fund each one that still fits in the money left,
    skip one that does not and keep going. Projects without votes are never funded."""
    costs = _check(projects, total)
    votes = {p: int(votes_per_project.get(p, 0)) for p in costs}
    winners = _fill_greedily(costs, votes, total)
    return Outcome(GREEDY, tuple(winners), sum(costs[p] for p in winners), total)


# --- Method of Equal Shares -------------------------------------------------------------

class _Election:
    """The ballots grouped: voters with the same ballot always hold the same money, so the
    method runs over distinct ballots, each with its number of voters (its weight)."""

    def __init__(self, costs: dict[str, int], ballots: Iterable[Iterable[str]]):
        groups = Counter(frozenset(str(p) for p in ballot) for ballot in ballots)
        for ballot in groups:
            unknown = ballot - costs.keys()
            if unknown:
                raise ValueError(f"a ballot names unknown projects: {sorted(unknown)}")
        self.costs = costs
        self.voters = sum(groups.values())
        self.weights = list(groups.values())
        self.supporters: dict[str, list[int]] = {p: [] for p in costs}
        for index, ballot in enumerate(groups):
            for project_id in ballot:
                self.supporters[project_id].append(index)
        self.votes = {p: sum(self.weights[g] for g in groups_)
                      for p, groups_ in self.supporters.items()}
        # MES skips projects of cost 0 and projects nobody supports.
        self.eligible = [p for p in costs if costs[p] > 0 and self.votes[p] > 0]
        self._tie_key = {p: (costs[p], -self.votes[p], id_key(p)) for p in costs}
        # Add1 steps in a row without a change before it looks for the next change (which
        # costs about a run in fractions per distinct ballot: worth it for small elections
        # with large amounts, where Add1 would otherwise take a great many steps).
        self.patience = 8 + len(self.weights) // 8

    def run(self, share: int) -> list[str]:
        """One run of the Method of Equal Shares where every voter starts with `share`.

        Exact and in integers: money is counted in units of 1 / `scale` of a currency unit,
        and `scale` grows whenever a payment is not a whole number of units. An effective
        vote count is a pair (numerator, denominator) compared by cross-multiplying.
        """
        weights, costs = self.weights, self.costs
        scale = 1
        money = [share] * len(weights)
        supporters = {p: self.supporters[p] for p in self.eligible}
        # Each candidate with its effective vote count of the previous round, an upper bound
        # of this round's (voters only lose money): candidates are looked at from the
        # highest bound down, and the search stops below the best count found this round.
        # `rank` is floor(bound * 2**32), so the order costs no fraction comparisons.
        bound = {p: (self.votes[p], 1) for p in self.eligible}
        rank = {p: self.votes[p] << _RANK_BITS for p in self.eligible}
        winners: list[str] = []
        while bound:
            best: list[str] = []
            best_count = (0, 1)
            best_rank = 0
            due_of: dict[str, tuple[int, int]] = {}
            for project_id in sorted(bound, key=rank.__getitem__, reverse=True):
                if rank[project_id] < best_rank:
                    break  # this bound and all those after it are below the best count
                due = costs[project_id] * scale
                holders = [g for g in supporters[project_id] if money[g]]
                supporters[project_id] = holders  # those with no money left stay out
                if sum(money[g] * weights[g] for g in holders) < due:
                    del bound[project_id], rank[project_id]  # no longer affordable
                    continue
                holders.sort(key=money.__getitem__)
                paid, payers = 0, sum(weights[g] for g in holders)
                for g in holders:
                    # The equal part (due - paid) / payers: can these voters pay it?
                    if due - paid > money[g] * payers:
                        paid += money[g] * weights[g]  # no: they pay all they have
                        payers -= weights[g]
                        continue
                    # The effective vote count cost / payment, with payment =
                    # (due - paid) / payers units of 1 / scale.
                    count = (costs[project_id] * payers * scale, due - paid)
                    bound[project_id] = count
                    rank[project_id] = (count[0] << _RANK_BITS) // count[1]
                    due_of[project_id] = (due - paid, payers)
                    order = count[0] * best_count[1] - best_count[0] * count[1]
                    if order > 0:
                        best, best_count = [project_id], count
                        best_rank = rank[project_id]
                    elif order == 0:
                        best.append(project_id)
                    break
            if not best:
                break
            chosen = min(best, key=self._tie_key.__getitem__)
            winners.append(chosen)
            del bound[chosen], rank[chosen]
            # The payment: (due - paid) / payers units; make it a whole number of units.
            numerator, payers = due_of[chosen]
            common = gcd(numerator, payers)
            factor, payment = payers // common, numerator // common
            if factor > 1:
                scale *= factor
                money = [held * factor for held in money]
            for g in supporters[chosen]:
                money[g] = money[g] - payment if money[g] > payment else 0
        return winners


    def unchanged_below(self, share: int) -> Fraction | None:
        """The least share t > `share` at which a run could differ from `run(share)`: every
        share in [share, t) gives the same winners. None: no share above gives others.

        Along one run every amount is an affine function a + b * x of the share x (a
        payment splits a cost among the same payers), and the run is the sequence of
        comparisons it makes: affordability, who pays all they have, which count is the
        highest, who is left with nothing. Each comparison keeps its outcome up to the root
        of its difference; the least root above `share` bounds them all. Every candidate is
        looked at in every round here (the outcome does not depend on the order).
        """
        x = share
        limit: Fraction | None = None

        def watch(d0: Fraction, d1: Fraction) -> None:
            nonlocal limit
            if d1 == 0:
                return  # constant: its sign never changes
            root = -Fraction(d0) / Fraction(d1)
            if root >= x and (limit is None or root < limit):
                limit = root if root > x else Fraction(x)

        weights, costs = self.weights, self.costs
        money = [(Fraction(0), Fraction(1))] * len(weights)  # a + b * x: x for everyone
        remaining = list(self.eligible)
        while remaining:
            payments: dict[str, tuple[Fraction, Fraction]] = {}
            for project_id in list(remaining):
                holders = []
                for g in self.supporters[project_id]:
                    a, b = money[g]
                    if a == 0 and b == 0:
                        continue  # nothing left, whatever the share
                    watch(a, b)  # positive now; stays so up to its root
                    holders.append(g)
                cost = costs[project_id]
                held_a = sum(weights[g] * money[g][0] for g in holders)
                held_b = sum(weights[g] * money[g][1] for g in holders)
                watch(held_a - cost, held_b)
                if held_a + held_b * x < cost:
                    remaining.remove(project_id)  # stays unaffordable in this run
                    continue
                value = {g: money[g][0] + money[g][1] * x for g in holders}
                holders.sort(key=value.__getitem__)
                paid, payers, partial = Fraction(0), sum(weights[g] for g in holders), []
                for g in holders:
                    if cost - paid > value[g] * payers:
                        paid += value[g] * weights[g]
                        payers -= weights[g]
                        partial.append(g)
                        continue
                    break
                # The payment, a + b * x (Fractions: an int / int would be a float).
                rho_a = (cost - sum(weights[g] * money[g][0] for g in partial)) / Fraction(payers)
                rho_b = -sum(weights[g] * money[g][1] for g in partial) / Fraction(payers)
                for g in holders:  # who pays all they have: below the payment
                    watch(money[g][0] - rho_a, money[g][1] - rho_b)
                payments[project_id] = (rho_a, rho_b)
            if not payments:
                return limit
            rate = {p: (a + b * x) / costs[p] for p, (a, b) in payments.items()}
            low = min(rate.values())
            chosen = min((p for p in payments if rate[p] == low), key=self._tie_key.__getitem__)
            rho_a, rho_b = payments[chosen]
            for other, (a, b) in payments.items():  # chosen keeps the lowest payment rate
                if other != chosen:
                    watch(a / costs[other] - rho_a / costs[chosen],
                          b / costs[other] - rho_b / costs[chosen])
            remaining.remove(chosen)
            for g in self.supporters[chosen]:
                a, b = money[g]
                if (a, b) != (0, 0):
                    keeps = a + b * x > rho_a + rho_b * x
                    money[g] = (a - rho_a, b - rho_b) if keeps else (Fraction(0), Fraction(0))
        return limit


def equal_shares(projects: Iterable[tuple[str, int]], ballots: Iterable[Iterable[str]],
                 total: int, *, add1_stop_when_exhaustive: bool = True,
                 greedy_completion: bool = True) -> Outcome:
    """The Method of Equal Shares with cost utilities, completed by Add1, then (when
    `greedy_completion`) by the greedy rule on what is left.

    Every voter starts with an equal share of the budget. Each round, for every project
    whose supporters together still hold its cost, the cost is split among its supporters
    as equally as their money allows: those who cannot pay the equal part pay all they
    have, the others an equal part m. The project with the highest effective vote count
    cost / m is funded (ties: lower cost, then more votes, then lower id) and its supporters
    pay; until no project can be paid for.

    Add1: from the whole-unit share floor(total / voters), every voter's share is raised by
    one currency unit at a time, keeping each new outcome while its cost stays within the
    budget. With `add1_stop_when_exhaustive`, it stops as soon as the outcome is exhaustive
    (no project MES could fund fits in the money left); it always stops once every project
    with supporters (and a cost) is funded.
    """
    costs = _check(projects, total)
    election = _Election(costs, ballots)
    options = {"add1_stop_when_exhaustive": add1_stop_when_exhaustive,
               "greedy_completion": greedy_completion}
    winners: list[str] = []
    share: int | None = None
    if election.voters:
        eligible = election.eligible

        def spent(chosen: list[str]) -> int:
            return sum(costs[p] for p in chosen)

        def exhaustive(chosen: list[str]) -> bool:
            left = total - spent(chosen)
            chosen_set = set(chosen)
            return all(costs[p] > left for p in eligible if p not in chosen_set)

        share = total // election.voters
        winners = election.run(share)
        same = 0  # steps in a row that kept the outcome
        while len(winners) < len(eligible):
            if add1_stop_when_exhaustive and exhaustive(winners):
                break
            if same >= election.patience:
                # Shares up to the next change give this outcome again: Add1 would keep
                # each of them, so go straight to the last one.
                same = 0
                changes_at = election.unchanged_below(share)
                if changes_at is None:
                    break
                skipped = max(0, ceil(changes_at) - 1 - share)
                share += skipped
                if skipped < election.patience:  # hardly worth it: look less often
                    election.patience *= 2
            attempt = election.run(share + 1)
            if spent(attempt) > total:
                break
            same = same + 1 if attempt == winners else 0
            share, winners = share + 1, attempt
    mes_winners = tuple(winners)
    if greedy_completion:
        left = total - sum(costs[p] for p in winners)
        winners = winners + _fill_greedily(costs, election.votes, left, skip=set(winners))
    return Outcome(EQUAL_SHARES, tuple(winners), sum(costs[p] for p in winners), total,
                   options=options, share=share, mes_winners=mes_winners)
