"""Budgets, residents' side: the budgets, their projects, the ballot and its checkout, the
results with the published ballots and receipts, the exports."""

from decide.spaces.views import component_blueprint

bp = component_blueprint("budgets", __name__)
