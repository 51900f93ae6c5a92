"""How long records are kept: Regulation F's three years after the last collection activity (12 CFR
1006.100, DOMAIN.md rule 8). Apart from the purge itself so that `collect-bot purge --help` can say it
without loading the database layer."""

from __future__ import annotations

RETENTION_YEARS = 3
