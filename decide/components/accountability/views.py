"""Accountability, residents' side: the progress overview, the results with filters, a
result's page (progress, dates, timeline, where it came from, confirmations, comments)."""

from decide.spaces.views import component_blueprint

bp = component_blueprint("accountability", __name__)
