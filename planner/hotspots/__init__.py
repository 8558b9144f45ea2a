"""Incident history, risk per place and hour of the week, and hotspot forecasts."""
