"""Container entry point of the GitHub Action: runs ``codedoc run``."""

import sys

from codedoc_action.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
