"""The owner's dashboard: grouped counts over members, the ledger, rewards and pushes."""
