"""What a rule is: an id, a name, a default severity, an options model and a pure check.

A rule's docstring is its documentation (`opscheck explain`): a summary line, the
rationale, then ``Failing:`` and ``Passing:`` examples. The engine, not the rule,
stamps the id and severity on what the check yields.
"""

from __future__ import annotations

import inspect
import json
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from opscheck.findings import Finding, Severity
from opscheck.source import Loc


class Weaker(NamedTuple):
    """Parameter metadata for POL003: which way of changing the value checks less. A list
    without it is a requirement (dropping an entry weakens); ``narrows`` marks a list that
    filters what is checked, empty meaning everything (setting one, or dropping an entry, weakens)."""

    direction: Literal["lower", "higher", "narrows"]


LOWER_IS_WEAKER = Weaker("lower")
HIGHER_IS_WEAKER = Weaker("higher")
NARROWS = Weaker("narrows")


class Options(BaseModel):
    """A rule's parameters; the policy may set any of them.

    Each parameter carries its domain (bounds, enums) and types are strict (``true`` is not 1):
    a value outside it is a configuration error, never a silent change of the rule's meaning.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)


class Hit(NamedTuple):
    """One problem a check found: where, what to do, and about whom."""

    loc: Loc
    message: str
    subject: str | None = None
    key: bool = False  # point at the key rather than its value
    line: int | None = None  # an exact place when it is not a YAML node (Markdown, loader problems)
    column: int = 1
    # what is wrong when the node pointed at does not say it (a section, a year, a link);
    # by default the engine names the problem by the YAML path of ``loc``
    ident: str | None = None
    always: bool = False  # listed past the engine's cap: it says the check stopped short


class Hits(NamedTuple):
    """``size`` hits about one ``subject`` that ``make`` yields in order, made only when listed.

    A pairwise rule can find millions of problems in a 10 MiB file, and the engine lists at most
    a few thousand: it counts the rest by ``size`` alone. The engine calls ``make`` (or not)
    before it takes the next item from the check, so ``make`` may read the check's running state.
    """

    subject: str
    size: int
    make: Callable[[], Iterator[Hit]]


class Requirement(NamedTuple):
    """Something a rule checks against that a run may lack; without it the rule is skipped."""

    skipped: str  # why, in a word or two (JUnit's <skipped message>)
    verb: str  # "{ids} compare(s) ..." in the note that says so
    hint: str  # how to provide it


Needs = Literal["base", "dbt"]
REQUIREMENTS: dict[str, Requirement] = {
    "base": Requirement("needs --base", "compare{s} with --base REF, which was not given",
                        "pass e.g. --base origin/main"),
    "dbt": Requirement("needs a dbt manifest", "read{s} the dbt manifest, which policies/opscheck.yaml does not name",
                       "set sources: {dbt: {manifest: PATH}} in it"),
}

Check = Callable[[Any, Any], Iterable[Hit | Hits]]
AfterCheck = Callable[[Any, Any, list[Finding]], Iterable[Hit | Hits]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    options: type[Options]
    doc: str
    check: Check | None = None
    # rules about the findings themselves (waivers) run after all others
    after: AfterCheck | None = None
    requires: Needs | None = None  # what the rule checks against; without it the rule is skipped

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0].strip()

    def section(self, title: str) -> str:
        """A titled section of the docstring (``Failing:``, ``Passing:``), dedented."""
        match = re.search(rf"^{title}:\n(.*?)(?=^\w[\w ]*:\n|\Z)", self.doc, re.S | re.M)
        return textwrap.dedent(match.group(1)).strip("\n") if match else ""

    @property
    def parameters(self) -> dict[str, Any]:
        """The options' defaults, as JSON-ready values."""
        return self.options().model_dump(mode="json")

    def help_text(self) -> str:
        """The rule's documentation as plain text: `opscheck explain` and SARIF's help."""
        out = [self.summary]
        if self.rationale:
            out += ["", self.rationale]
        if self.parameters:
            out += ["", "Parameters (set in policies/opscheck.yaml):"]
            out += [f"  {name}: {json.dumps(value)}" for name, value in self.parameters.items()]
        for title in ("Failing", "Passing"):
            example = self.section(title)
            if example:
                out += ["", f"{title} example:", *("    " + line for line in example.splitlines())]
        return "\n".join(out)

    @property
    def rationale(self) -> str:
        body = self.doc.split("\n", 1)[1] if "\n" in self.doc else ""
        return re.split(r"^\w[\w ]*:\n", body, maxsplit=1, flags=re.M)[0].strip()


F = TypeVar("F", bound=Callable[..., Iterable[Hit | Hits]])


def rule(
    id: str, name: str, severity: Severity = "error", options: type[Options] = Options, after: bool = False,
    requires: Needs | None = None,
) -> Callable[[F], Rule]:
    def wrap(fn: F) -> Rule:
        doc = inspect.getdoc(fn) or name
        if after:
            return Rule(id, name, severity, options, doc, after=fn, requires=requires)
        return Rule(id, name, severity, options, doc, check=fn, requires=requires)

    return wrap
