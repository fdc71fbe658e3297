"""The policy (`policies/opscheck.yaml`, `policies/rules/*.yaml`) and the run's settings.

Everything wrong here is a configuration error (exit 2): a run with a broken
policy would check the wrong thing.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationError

from opscheck.budget import Budget
from opscheck.errors import ConfigError
from opscheck.findings import Severity
from opscheck.models import (
    CUSTOM_RULE_ID_PATTERN,
    Day,
    Engineer,
    Item,
    Model,
    Override,
    Pipeline,
    Rotation,
    RunbookMeta,
    Shift,
)
from opscheck.rules.base import Options, Rule
from opscheck.schema_errors import explain
from opscheck.source import Document, Loc, Problem, load_yaml
from opscheck.suggest import did_you_mean
from opscheck.tree import Tree, as_tree
from opscheck.validation import validate

POLICY_DIR = "policies"
POLICY_FILE = f"{POLICY_DIR}/opscheck.yaml"
CUSTOM_GLOB = "rules/*.yaml"
SEVERITIES = ("error", "warning", "off")


class Waiver(Item):
    rule: str
    subject: str
    reason: str
    expires: Day


def _repo_path(value: str) -> str:
    pure = PurePosixPath(value)
    if not value or pure.is_absolute() or ".." in pure.parts or "\\" in value:
        raise ValueError(f"{value!r}: give a path relative to the repository root (--root), with '/' and no '..'")
    return pure.as_posix()


RepoPath = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_repo_path)]
# who CODEOWNERS may name: @user, @org/team, or an email address of a GitHub account
CodeOwner = Annotated[str, StringConstraints(
    pattern=r"^(@[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9._-]{0,99})?|[^@\s]+@[^@\s]+)$")]


class DbtSource(Model):
    manifest: RepoPath  # what `dbt parse` writes, e.g. analytics/target/manifest.json
    # the dbt project folder, to which the manifest's file paths are relative;
    # by default the folder holding the manifest's target/ folder
    project: RepoPath | None = None

    @property
    def project_dir(self) -> str:
        if self.project is not None:
            return "" if self.project == "." else self.project
        parent = PurePosixPath(self.manifest).parent.parent.as_posix()
        return "" if parent == "." else parent


class Sources(Model):
    dbt: DbtSource | None = None


class CodeownersConfig(Model):
    data_owners: list[CodeOwner] = Field(default_factory=list, max_length=100)


class PolicyFile(Model):
    rules: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    sources: Sources = Field(default_factory=Sources)
    codeowners: CodeownersConfig = Field(default_factory=CodeownersConfig)
    waivers: list[Waiver] = Field(default_factory=list)


Target = Literal["engineers", "pipelines", "rotations", "shifts", "overrides", "runbooks"]


class CustomRuleFile(Model):
    id: str = Field(pattern=CUSTOM_RULE_ID_PATTERN)
    summary: str
    severity: Literal["error", "warning"] = "error"
    target: Target
    message: str
    description: str | None = None
    json_schema: dict[str, Any] = Field(alias="schema")


@dataclass(frozen=True)
class CustomRule:
    spec: CustomRuleFile
    file: str


@dataclass
class Policy:
    severities: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, Options] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    custom: list[CustomRule] = field(default_factory=list)
    sources: Sources = field(default_factory=Sources)
    codeowners: CodeownersConfig = field(default_factory=CodeownersConfig)
    files: int = 0
    # the parsed policy files, so findings about waivers get their lines
    documents: dict[str, Document] = field(default_factory=dict)

    def severity(self, rule: Rule) -> Severity:
        return self.severities.get(rule.id, rule.severity)

    def options_for(self, rule: Rule) -> Options:
        return self.options.get(rule.id) or rule.options()


@dataclass(frozen=True)
class Settings:
    root: Path
    as_of: dt.date
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False


def _fail(problems: list[Problem]) -> ConfigError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)})" if len(problems) > 1 else ""
    return ConfigError(first.message + more, f"{first.file}:{first.line}")


def _read(root: Path | Tree, file: str) -> Document:
    doc = load_yaml(root, file)
    if doc.problems:
        raise _fail(doc.problems)
    return doc


def load_custom(root: Path | Tree) -> list[CustomRule]:
    from opscheck.safeschema import MAX_SUBSCHEMAS

    out: list[CustomRule] = []
    size = Budget(MAX_SUBSCHEMAS)  # for all the rules: checking a schema costs each of its subschemas
    for file in as_tree(root).glob(f"{POLICY_DIR}/{CUSTOM_GLOB}"):
        doc = _read(root, file)
        spec, problems = validate(doc, CustomRuleFile, doc.data)
        if spec is None:
            raise _fail(problems)
        _check_message(doc, spec.message)
        _check_placeholders(doc, spec)
        _check_schema(doc, spec.json_schema, size)
        out.append(CustomRule(spec, file))
    return out


def _check_schema(doc: Document, schema: dict[str, Any], size: Budget) -> None:
    """Valid against the 2020-12 metaschema, and safe: see ``safeschema``."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import SchemaError

    from opscheck import safeschema

    unsafe = next(safeschema.problems(schema, size), None)  # first: the metaschema check compiles patterns with re
    if unsafe is not None:
        raise ConfigError(unsafe.message, f"{doc.file}:{doc.mark(('schema', *unsafe.path))[0]}")
    try:
        # no format checks: patterns were checked with RE2 above, and re.compile can recurse deeply
        Draft202012Validator.check_schema(schema, format_checker=FormatChecker(formats=()))
    except SchemaError as exc:
        line, _ = doc.mark(("schema", *exc.path))
        raise ConfigError(f"schema is not valid JSON Schema 2020-12: {exc.message}", f"{doc.file}:{line}") from None


def _check_message(doc: Document, message: str) -> None:
    """Only plain ``{field}`` placeholders: anything else would fail when a finding is worded."""
    try:
        parts = list(string.Formatter().parse(message))
    except ValueError as exc:
        bad: str | None = str(exc)
    else:
        bad = next((f"'{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}'"
                    for _, name, spec, conversion in parts
                    if name is not None and (not name.isidentifier() or spec or conversion)), None)
    if bad is not None:
        where = f"{doc.file}:{doc.mark(('message',))[0]}"
        raise ConfigError(f"message cannot be filled in ({bad}): use {{field}} placeholders naming a key of "
                          "the item, and {{ or }} for a literal brace", where)


# what a custom rule's target items are: their keys are the message's placeholders
TARGET_MODELS: dict[str, type[Model]] = {
    "engineers": Engineer, "pipelines": Pipeline, "rotations": Rotation,
    "shifts": Shift, "overrides": Override, "runbooks": RunbookMeta,
}


def _check_placeholders(doc: Document, spec: CustomRuleFile) -> None:
    """A placeholder no item of the target can have would be printed as written in every finding."""
    keys = [info.alias or name for name, info in TARGET_MODELS[spec.target].model_fields.items()]
    for _, name, _, _ in string.Formatter().parse(spec.message):
        if name is not None and name not in keys:
            where = f"{doc.file}:{doc.mark(('message',))[0]}"
            raise ConfigError(f"message placeholder {{{name}}} is not a key of {spec.target} items"
                              f"{did_you_mean(name, keys)}; keys: {', '.join(keys)}", where)


def _outside_domain(doc: Document, rule_id: str, options: type[Options], err: Any) -> ConfigError:
    """A parameter value outside its domain, with the allowed range read from the options model."""
    path = ("rules", rule_id)
    if err["type"] == "extra_forbidden" or not err["loc"]:
        problem = explain(doc, options, path, err)
        return ConfigError(f"{rule_id}: {problem.message}", f"{POLICY_FILE}:{problem.line}")
    name = str(err["loc"][0])
    line = doc.mark((*path, *err["loc"]))[0]
    schema = options.model_json_schema()["properties"][name]
    return ConfigError(f"{rule_id} {name}: {_shown(err['input'])} is not allowed; allowed: {describe(schema)}",
                       f"{POLICY_FILE}:{line}")


def describe(schema: dict[str, Any]) -> str:
    """A parameter's domain in words, from its JSON Schema (the one `opscheck schema` publishes)."""
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
        return "a whole number" + (f" of at least {low}" if low is not None else "")
    if kind == "array":
        most = f" of at most {schema['maxItems']} entries" if "maxItems" in schema else ""
        return f"a list{most}, each {describe(schema.get('items', {}))}"
    if kind == "string":
        if "maxLength" in schema:
            return f"text of {schema.get('minLength', 0)} to {schema['maxLength']} characters"
        return "text"
    return {"boolean": "true or false", "number": "a number"}.get(str(kind), "a value of the documented form")


def _shown(value: Any) -> str:
    """A value as YAML spells it, cut short."""
    text = str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:60] + "..."


def policy_or_none(root: Path | Tree, rules: dict[str, Rule]) -> Policy | None:
    """The policy, or None when it cannot be read: the policy at a base ref is compared, not enforced."""
    try:
        return load_policy(root, rules)
    except ConfigError:
        return None


def load_policy(root: Path | Tree, rules: dict[str, Rule]) -> Policy:
    """Read the policy, checking every rule id, parameter and waiver against ``rules``."""
    policy = Policy()
    policy.custom = load_custom(root)
    policy.files += len(policy.custom)
    known = dict(rules)
    for custom in policy.custom:
        if custom.spec.id in known:
            raise ConfigError(f"custom rule id {custom.spec.id} is defined twice", custom.file)
        known[custom.spec.id] = Rule(custom.spec.id, custom.spec.id.lower(), custom.spec.severity, Options,
                                     custom.spec.summary)
    if not as_tree(root).exists(POLICY_FILE):
        return policy
    policy.files += 1
    doc = _read(root, POLICY_FILE)
    policy.documents[POLICY_FILE] = doc
    parsed, problems = validate(doc, PolicyFile, doc.data if doc.data is not None else {})
    if parsed is None:
        raise _fail(problems)
    for rule_id, params in parsed.rules.items():
        where = f"{POLICY_FILE}:{doc.mark(('rules', rule_id), key=True)[0]}"
        rule = known.get(rule_id)
        if rule is None:
            raise ConfigError(f"unknown rule id '{rule_id}'{did_you_mean(rule_id, list(known))}; "
                              "`opscheck rules` lists them", where)
        params = dict(params or {})
        severity = params.pop("severity", None)
        if severity is False:  # YAML 1.1 reads an unquoted `off` as false
            severity = "off"
        if severity is True:
            line = doc.mark(("rules", rule_id, "severity"))[0]
            raise ConfigError(f"{rule_id} severity: YAML 1.1 reads an unquoted on/yes/true as true; write "
                              "error, warning or off", f"{POLICY_FILE}:{line}")
        if severity is not None:
            if severity not in SEVERITIES:
                line = doc.mark(("rules", rule_id, "severity"))[0]
                raise ConfigError(f"{rule_id} severity must be error, warning or off, not {severity!r}",
                                  f"{POLICY_FILE}:{line}")
            policy.severities[rule_id] = severity
        try:
            policy.options[rule_id] = rule.options.model_validate(params)
        except ValidationError as exc:
            raise _outside_domain(doc, rule_id, rule.options, exc.errors(include_url=False)[0]) from None
    for i, waiver in enumerate(parsed.waivers):
        if waiver.rule not in known:
            line = doc.mark(("waivers", i, "rule"))[0]
            raise ConfigError(f"waiver names unknown rule '{waiver.rule}'{did_you_mean(waiver.rule, list(known))}",
                              f"{POLICY_FILE}:{line}")
        waiver._loc = Loc(POLICY_FILE, ("waivers", i))
    policy.waivers = list(parsed.waivers)
    policy.sources, policy.codeowners = parsed.sources, parsed.codeowners
    return policy
