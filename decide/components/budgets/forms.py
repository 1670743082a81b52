"""Budgets forms: the staff's (budgets, projects, importing proposals, paper ballots) and the
residents' (receipt look-up). Several people edit this file: add forms, do not rewrite it."""
