"""Plans kept by the app: storage, plans in force, printed sheets and the plan pages."""
