import sys

from iclft.cli import main

sys.exit(main())
