"""collect-bot: a Slack bot that runs the daily work of a credit-collections team."""
