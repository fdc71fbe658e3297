"""Sources of truth beyond ops-data/: each reads its input into the dataset, and rules read the dataset.

``attach`` is the one place a command asks for them, after ``dataset.load``: the dbt
manifest the policy names, and the opscheck block of ``.github/CODEOWNERS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opscheck.dataset import Dataset
    from opscheck.settings import Policy


def attach(ds: Dataset, policy: Policy) -> None:
    """Read the policy's dbt manifest and the repository's CODEOWNERS into ``ds``."""
    from opscheck.integrations import codeowners

    if policy.sources.dbt is not None:
        from opscheck.integrations import dbt  # its reader (msgspec) only with a manifest to read

        ds.dbt = dbt.load(ds.tree, policy.sources.dbt.manifest, policy.sources.dbt.project_dir)
    ds.codeowners = codeowners.load(ds, policy.codeowners.data_owners)
