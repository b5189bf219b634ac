import sys

from microcloud.cli import main

sys.exit(main())
