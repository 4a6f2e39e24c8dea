import sys

from codedoc_action.cli import main

sys.exit(main())
