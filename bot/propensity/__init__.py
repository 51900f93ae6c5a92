"""A propensity to pay learned from the portfolio's own history (issue 22): features per account
from what the bot holds, a standardised logistic regression trained weekly, backtested out of time
against the rule score, and adopted as the priority score's `propensity` input only when it wins."""
