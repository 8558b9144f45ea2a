"""Migration scripts of the web app's database, one per revision, oldest first."""
