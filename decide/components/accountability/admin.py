"""The back office of an accountability component: statuses, results, timelines, results
from a budget's selected projects, CSV import and export.

The process admins and admins do everything here (the blueprint checks). Every view loads,
authorizes, validates, calls one service, commits and redirects.
"""

from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("accountability", __name__)
