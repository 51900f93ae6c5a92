"""Dunning: reminders that send themselves, by a schedule a team writes (COLLECT_DUNNING_FILE)."""
