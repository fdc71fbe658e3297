"""opscheck: policy-as-code for a data team's ownership, on-call, holidays and runbooks."""

from __future__ import annotations

__version__ = "1.0.0"
# Where people read about opscheck: SARIF's informationUri, and each rule's helpUri (README anchors).
HOME = "https://github.com/opscheck/opscheck"
