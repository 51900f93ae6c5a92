"""Strategy: segments of the portfolio, the treatment each gets, and champion/challenger tests of a
new treatment against the one in force (COLLECT_STRATEGY_FILE)."""
