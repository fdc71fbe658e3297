from __future__ import annotations

import sys

from opscheck.cli import main

sys.exit(main())
