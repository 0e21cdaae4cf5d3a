"""`python -m loadtest`: see loadtest.runner."""

import sys

from loadtest.runner import main

sys.exit(main())
