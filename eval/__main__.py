"""`python -m eval`: the same as `kb eval`."""

from eval.run import main

raise SystemExit(main())
