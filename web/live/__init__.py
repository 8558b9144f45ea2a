"""Live tours for captains: today's units and checkpoints from the check-in ledger."""
