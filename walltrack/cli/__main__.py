import sys

from walltrack.cli import main

sys.exit(main())
