import sys

from disclosure_archive.cli import main

sys.exit(main())
