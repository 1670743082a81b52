"""Verification against the census: staff upload it, residents prove who they are with a
document number and a date of birth, components require it for their actions."""
