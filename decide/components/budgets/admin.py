"""The back office of a budgets component: budgets, projects, importing accepted proposals,
paper ballots, confirming the winners."""

from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("budgets", __name__)
