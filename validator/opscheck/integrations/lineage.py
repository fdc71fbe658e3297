"""What dbt's lineage reaches from a resource, worked out once a run for each resource reached.

A walk for each pipeline repeated the shared part of the lineage for every pipeline (2,000
pipelines on one chain of 4,000 models took `validate` 11 s). Here each resource's answer is a
bit mask over the targets (the sources, or the exposures), made from its neighbours' masks once
those are known, so each resource and link is visited once a run and a union costs a machine
word per 64 targets. Strongly connected components (Tarjan) give that order even in a manifest
with cycles, which `dbt parse` never writes but a hostile one may hold."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

# A mask is held for each resource reached (one with a single neighbour shares its mask), each
# as long as the position of its last target: their lengths together are bounded, as a ladder of
# 90,000 models, each reading the one below and a source of its own, would hold 8 billion bits.
MAX_BITS = 1_000_000_000  # 125 MB


class LineageTooLarge(Exception):
    """The masks of the lineage would hold more than MAX_BITS bits."""


class Reach:
    """The targets reachable along ``step`` from any resource, in the order of ``targets``."""

    def __init__(self, targets: list[str], step: Callable[[str], list[str]]) -> None:
        self.targets = targets
        self.position = {uid: i for i, uid in enumerate(targets)}
        self.step = step
        self.mask: dict[str, int] = {}
        self.bits = 0

    def of(self, ids: Iterable[str]) -> list[str]:
        """The targets ``ids`` reach (a target among them included); LineageTooLarge past the bound."""
        total = 0
        for uid in ids:
            total |= self.mask[uid] if uid in self.mask else self._solve(uid)
        return [self.targets[i] for i in _ones(total)]

    def _solve(self, root: str) -> int:
        """Tarjan's algorithm from ``root``: each component's mask once those it reaches are known."""
        if self.bits > MAX_BITS:  # past the bound once: not a walk again for every later question
            raise LineageTooLarge
        index = {root: 0}
        low = {root: 0}
        stack, on_stack = [root], {root}
        work: list[tuple[str, Iterator[str]]] = [(root, iter(self.step(root)))]
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt in self.mask:  # a component finished before: its mask is final
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(self.step(nxt))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    self._close(node, stack, on_stack)
        return self.mask[root]

    def _close(self, head: str, stack: list[str], on_stack: set[str]) -> None:
        """Give the component that ``head`` opens, on top of ``stack``, one mask."""
        members = [stack.pop()]
        while members[-1] != head:
            members.append(stack.pop())
        on_stack.difference_update(members)
        taken = [self.mask.get(nxt, 0) for uid in members for nxt in self.step(uid)]
        own = [1 << self.position[uid] for uid in members if uid in self.position]
        mask = 0
        for part in taken + own:
            if part and part is not mask:
                mask = part if not mask else mask | part
        if not any(mask is part for part in taken):  # a new mask, not one shared with a neighbour
            self.bits += mask.bit_length()
            if self.bits > MAX_BITS:
                raise LineageTooLarge
        for uid in members:
            self.mask[uid] = mask


def _ones(mask: int) -> Iterator[int]:
    """The positions of the bits set in ``mask``, lowest first."""
    digits = bin(mask)[:1:-1]
    at = digits.find("1")
    while at >= 0:
        yield at
        at = digits.find("1", at + 1)
