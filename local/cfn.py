"""Reading infra/template.yaml: CloudFormation's YAML tags and the intrinsic functions the stack needs."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml

ACCOUNT_ID = "123456789012"


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns !Ref, !GetAtt, !Sub ... into their long JSON forms."""


def _construct(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> Any:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"
    if isinstance(node, yaml.ScalarNode):
        return {name: node.value.split(".", 1) if tag == "GetAtt" else node.value}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


for _tag in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "FindInMap",
             "ImportValue", "Base64", "GetAZs"):
    _Loader.add_constructor(f"!{_tag}", lambda loader, node, tag=_tag: _construct(loader, tag, node))


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation YAML template into plain dicts."""
    return yaml.load(path.read_text(), Loader=_Loader)


class Resolver:
    """Resolves Ref / Fn::GetAtt / Fn::Sub / Fn::Join against what the stack created."""

    def __init__(self, region: str, parameters: dict[str, str]):
        self.region = region
        self.parameters = parameters
        self.refs: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def pseudo(self, name: str) -> str | None:
        return {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT_ID, "AWS::URLSuffix": "amazonaws.com",
                "AWS::Partition": "aws", "AWS::StackName": "parley-local"}.get(name)

    def ref(self, name: str) -> str:
        for source in (self.pseudo(name), self.parameters.get(name), self.refs.get(name)):
            if source is not None:
                return source
        raise Unresolved(name)

    def get_att(self, name: str, attribute: str) -> str:
        if (name, attribute) not in self.attributes:
            raise Unresolved(f"{name}.{attribute}")
        return self.attributes[(name, attribute)]

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside value; Unresolved if something it names is not created yet."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            handler: Callable[[Any], Any] | None = {
                "Ref": lambda a: self.ref(a),
                "Fn::GetAtt": lambda a: self.get_att(*(a if isinstance(a, list) else a.split(".", 1))),
                "Fn::Sub": self._sub,
                "Fn::Join": lambda a: a[0].join(str(self.resolve(x)) for x in self.resolve(a[1])),
            }.get(key)
            if handler:
                return handler(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


class Unresolved(Exception):
    """A reference to something not created (yet)."""
