"""Write synthetic cassettes: the same as `llm-cassettes generate` (see its --help)."""

import sys

from llm_cassettes.cli.generate import main as generate_command

if __name__ == "__main__":
    sys.exit(generate_command(sys.argv[1:]))
