"""The plan document (plan.json), its coverage and its exports."""
