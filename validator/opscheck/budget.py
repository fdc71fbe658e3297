"""A work budget: what a check may still spend before it stops and says where it stopped."""

from __future__ import annotations


class OutOfWork(Exception):
    """A budget has been spent."""


class Budget:
    """Work left to do; ``spend`` raises OutOfWork once more than was allowed is spent."""

    def __init__(self, allowed: int) -> None:
        self.left = allowed

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise OutOfWork
