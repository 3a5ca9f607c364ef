"""`python -m servicedesk` is the `servicedesk` command."""

import sys

from servicedesk.cli import main

sys.exit(main())
