"""``python -m llm_cassettes.cli``: the same as the ``llm-cassettes`` command."""

import sys

from . import main

sys.exit(main())
