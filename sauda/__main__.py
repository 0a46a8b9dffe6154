import sys

from sauda.cli import main

sys.exit(main())
