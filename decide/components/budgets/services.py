"""Budgets, the ballot: who may vote where, adding and removing projects, the progress
against the voting rule, checkout with a receipt, cancelling, paper ballots entered by staff.
Safe under concurrent requests: every change to a ballot locks its order row first."""
