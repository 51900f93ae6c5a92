"""`python -m wiring.cli`: the `collect-bot` command without its installed script."""

from wiring.cli.main import main

raise SystemExit(main())
