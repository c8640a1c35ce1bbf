"""Calls and appeals: intake, routing on intake, statuses, deadlines, two-level control, journals."""
