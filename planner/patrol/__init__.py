"""The patrol layer: a district's inputs turned into roster and routing problems, and a plan."""
