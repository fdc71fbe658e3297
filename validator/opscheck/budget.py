"""A work budget: what a check may still spend before it stops and says where it stopped."""

from __future__ import annotations


class OutOfWork(Exception):
    """A budget has been spent."""


class Budget:
    """Work left to do; ``spend`` raises OutOfWork once more than was allowed is spent."""

    def __init__(self, allowed: int) -> None:
        self.allowed = self.left = allowed
        self._run: object = None

    def start(self, run: object) -> None:
        """Spend for ``run`` (a dataset being checked): the whole allowance again, unless that
        run has begun already, so that checks sharing the budget share one allowance a run."""
        if run is not self._run:
            self._run, self.left = run, self.allowed

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise OutOfWork
