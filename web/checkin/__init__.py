"""Checkpoint sign-in: QR tokens, check-ins, the ledger and their pages."""
