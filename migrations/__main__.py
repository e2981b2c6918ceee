"""`python -m migrations`: make the database at `DATABASE_URL` (or the embedded one) ready (see chirp.migrator)."""

import sys

from chirp.migrator import main

if __name__ == "__main__":
    sys.exit(main())
