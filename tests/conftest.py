"""Suite-wide settings shared by every test directory."""

import os

# litellm must never fetch its model cost map from the network, in any test.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Plugin-level tests run small pytest projects in-process.
pytest_plugins = ["pytester"]
