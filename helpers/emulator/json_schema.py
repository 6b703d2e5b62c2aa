"""JSON Schema for the emulator: values that fit a schema, and Bedrock's structured-output subset.

Two users: tool calls (the ``input`` of a ``tool_use`` must be valid against the tool's ``input_schema``) and
structured outputs (the answer is JSON valid against ``output_config.format.schema``). Values are filled from
the words of the question where they fit (a quoted phrase, a name after the property's name, a capitalised
name, a number, an enum value the question mentions), so an agent loop gets inputs that read like Claude's.

Written here rather than with a library: the libraries that generate instances (hypothesis-jsonschema and
the like) produce random values; we need deterministic ones drawn from a sentence. Validity itself is
checked in the tests with the ``jsonschema`` library, the independent peer.
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 8           # recursive schemas: past this depth, the smallest valid value
# A few hundred bytes of schema can ask for millions of values (six required properties that each $ref the root,
# eight levels deep) or a gigabyte string (minLength): past these bounds the filler gives the smallest value and
# stops growing, so one request cannot stall the emulator (Claude would stop at max_tokens anyway).
MAX_VALUES = 5_000
MAX_SIZE = 10_000       # items of an array, characters of a string
_QUESTION_WORDS = frozenset((
    "a", "an", "and", "are", "at", "can", "could", "did", "do", "does", "for", "from", "get", "give", "how", "i",
    "if", "in", "is", "it", "list", "me", "my", "of", "on", "or", "please", "show", "tell", "the", "to", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your"))
_QUOTED = re.compile(r"[\"“']([^\"”']{1,200})[\"”']")
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|de|of|la|del|da))*\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_TEXT_PROPERTIES = frozenset(("query", "q", "question", "text", "prompt", "input", "search", "message",
                              "content", "topic", "description", "request", "keywords"))
_FORMATS = {"date": "2026-11-30", "date-time": "2026-11-30T00:00:00Z", "time": "00:00:00Z",
            "email": "learner@example.com", "uri": "https://example.com/",
            "uuid": "00000000-0000-4000-8000-000000000000",
            "hostname": "example.com", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1"}


class _Filler:
    """Values for one schema from one text; each quoted phrase, name and number is used once."""

    def __init__(self, root: dict[str, Any], text: str) -> None:
        self.root, self.text = root, text
        self.lower = text.lower()
        self.quoted = _QUOTED.findall(text)
        # Capitalised names, those in mid-sentence first (a sentence's first word is capitalised anyway).
        found = [(bool(re.search(r"(?:^|[.!?]\s+)$", text[:m.start()])), m.start(), m.group())
                 for m in _NAME.finditer(text)]
        self.names = [n for _, _, n in sorted(found)
                      if re.sub(r"'s$", "", n.split()[0].lower()) not in _QUESTION_WORDS]
        self.numbers = [float(n) for n in _NUMBER.findall(text)]
        self.made = 0

    def resolve(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            schema, seen = self._ref(schema["$ref"]), seen + 1
        return schema if isinstance(schema, dict) else {}

    def _ref(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        self.made += 1
        if self.made > MAX_VALUES:
            return self._smallest(schema)
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self._enum(schema["enum"])
        for key in ("anyOf", "oneOf"):
            options = [self.resolve(o) for o in schema.get(key) or [] if isinstance(o, dict)]
            if options:
                chosen = next((o for o in options if o.get("type") != "null"), options[0])
                return self.value({**{k: v for k, v in schema.items() if k != key}, **chosen}, name, depth)
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
            return self.value(merged, name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        return {"object": self._object, "array": self._array, "string": self._string, "integer": self._integer,
                "number": self._number, "boolean": self._boolean, "null": lambda *_: None
                }.get(kind, self._string)(schema, name, depth)

    def _enum(self, options: list[Any]) -> Any:
        for option in options:
            if isinstance(option, str) and option and re.search(rf"(?<!\w){re.escape(option.lower())}(?!\w)",
                                                                 self.lower):
                self.names = [n for n in self.names if n.lower() != option.lower()]
                return option
        return options[0]

    def _object(self, schema: dict[str, Any], name: str, depth: int) -> dict[str, Any]:
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        wanted = required + [p for p in properties if p not in required and depth < MAX_DEPTH
                             and self._mentioned(p)]
        out = {}
        for prop in wanted:
            sub = properties.get(prop, {})
            out[prop] = self.value(sub, prop, depth + 1) if depth < MAX_DEPTH else self._smallest(sub)
        return out

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        least = schema.get("minItems")
        count = min(max(least if _is_int(least) else 0, 1 if depth < MAX_DEPTH else 0), MAX_SIZE)
        if isinstance(schema.get("maxItems"), int):
            count = min(count, schema["maxItems"])
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        out = [self.value(p, name, depth + 1) for p in prefix[:count]]
        out += [self.value(items, name, depth + 1) for _ in range(count - len(out))]
        return out

    def _string(self, schema: dict[str, Any], name: str, depth: int) -> str:
        value = self._after_name(name) or (self.quoted.pop(0) if self.quoted else None)
        if value is None and schema.get("format") in _FORMATS:
            value = _FORMATS[schema["format"]]
        if value is None and name.lower() in _TEXT_PROPERTIES and self.text.strip():
            value = " ".join(self.text.split())[:200]
        if value is None and self.names:
            value = self.names.pop(0)
        if value is None:
            value = " ".join(self.text.split())[:200] or "example"
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        if _is_int(low) and len(value) < low:
            value = value.ljust(min(low, MAX_SIZE), "x")
        return value

    def _number_from_text(self, schema: dict[str, Any], integer: bool) -> float | None:
        for n, number in enumerate(self.numbers):
            if integer and number != int(number):
                continue
            if self._in_bounds(number, schema):
                return self.numbers.pop(n)
        return None

    @staticmethod
    def _in_bounds(number: float, schema: dict[str, Any]) -> bool:
        checks = (("minimum", lambda b: number >= b), ("maximum", lambda b: number <= b),
                  ("exclusiveMinimum", lambda b: number > b), ("exclusiveMaximum", lambda b: number < b))
        return all(not isinstance(schema.get(k), (int, float)) or ok(schema[k]) for k, ok in checks)

    def _integer(self, schema: dict[str, Any], name: str, depth: int) -> int:
        found = self._number_from_text(schema, integer=True)
        return int(found) if found is not None else int(self._smallest_number(schema, integer=True))

    def _number(self, schema: dict[str, Any], name: str, depth: int) -> float:
        found = self._number_from_text(schema, integer=False)
        return found if found is not None else self._smallest_number(schema, integer=False)

    @staticmethod
    def _smallest_number(schema: dict[str, Any], integer: bool) -> float:
        if isinstance(schema.get("minimum"), (int, float)):
            low = schema["minimum"]
            return float(int(low) if int(low) == low else int(low) + 1) if integer else float(low)
        if isinstance(schema.get("exclusiveMinimum"), (int, float)):
            return float(int(schema["exclusiveMinimum"]) + 1)
        if isinstance(schema.get("maximum"), (int, float)) and schema["maximum"] < 0:
            return float(int(schema["maximum"]))
        if isinstance(schema.get("exclusiveMaximum"), (int, float)) and schema["exclusiveMaximum"] <= 0:
            return float(int(schema["exclusiveMaximum"]) - 1)
        return 0.0

    def _boolean(self, schema: dict[str, Any], name: str, depth: int) -> bool:
        return bool(name) and self._mentioned(name)

    def _smallest(self, schema: Any) -> Any:
        """The smallest valid value, without recursing further (a recursive schema's floor)."""
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        kind = schema.get("type")
        kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
        return {"object": {}, "array": [], "integer": 0, "number": 0.0, "boolean": False, "null": None}.get(
            kind, "")

    def _mentioned(self, prop: str) -> bool:
        words = [w for w in re.split(r"[_\-\s]+|(?<=[a-z])(?=[A-Z])", prop) if w]
        return bool(words) and all(re.search(rf"(?<!\w){re.escape(w.lower())}", self.lower) for w in words)

    def _after_name(self, name: str) -> str | None:
        """``city: Paris`` / ``city = "Paris"`` / ``city Paris`` / ``city is Paris`` in the text."""
        if not name:
            return None
        spoken = r"[\s_-]+".join(re.escape(w) for w in re.split(r"[_\-\s]+|(?<=[a-z])(?=[A-Z])", name) if w)
        value = r"[\"“']?([A-Z0-9][\w.@/-]*(?:\s+[A-Z][\w-]*)*)"
        found = re.search(rf"(?i)\b{spoken}\b\s*(?:[:=]|\bis\b|\bof\b)?\s*{value}", self.text)
        return found.group(1) if found else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def instance(schema: Any, text: str = "") -> Any:
    """A value valid against ``schema`` (objects, arrays, scalars, enums, const, local ``$ref``, anyOf/oneOf/allOf),
    filled from ``text`` where values fit. Deterministic: the same schema and text give the same value."""
    root = schema if isinstance(schema, dict) else {}
    return _Filler(root, text).value(root)


# --- Bedrock's structured-output subset ------------------------------------------------------------------------

# Keywords Claude's structured outputs do not support, per type (H-facts 4b: captures of Bedrock's 400s for
# number/integer minimum/maximum and array maxItems (M); string lengths per Anthropic's docs as quoted (M)).
_UNSUPPORTED = {
    "number": ("exclusiveMaximum", "exclusiveMinimum", "maximum", "minimum", "multipleOf"),
    "integer": ("exclusiveMaximum", "exclusiveMinimum", "maximum", "minimum", "multipleOf"),
    "string": ("maxLength", "minLength"),
    "array": ("maxItems",),
}


def unsupported(schema: Any, where: str = "output_config.format.schema") -> str | None:
    """Bedrock's 400 message for the first schema feature structured outputs do not support, or None.

    Wording as captured (H-facts 4b, M): ``<where>: For 'object' type, 'additionalProperties' must be explicitly
    set to false``; ``<where>: For 'number' type, properties maximum, minimum are not supported``;
    ``<where>: For 'array' type, property 'maxItems' is not supported``.
    """
    stack: list[Any] = [schema]
    seen = 0
    while stack and seen < 10_000:
        node, seen = stack.pop(), seen + 1
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        for kind in kinds:
            if kind == "object" and node.get("additionalProperties") is not False:
                return f"{where}: For 'object' type, 'additionalProperties' must be explicitly set to false"
            found = sorted(k for k in _UNSUPPORTED.get(kind, ()) if k in node)
            if len(found) == 1:
                return f"{where}: For '{kind}' type, property '{found[0]}' is not supported"
            if found:
                return f"{where}: For '{kind}' type, properties {', '.join(found)} are not supported"
            if kind == "array" and isinstance(node.get("minItems"), int) and node["minItems"] > 1:
                # [emulator wording]: a third party reports only minItems 0 and 1 work (H-facts 4b, L)
                return f"{where}: For 'array' type, 'minItems' values other than 0 or 1 are not supported"
        for key in ("properties", "$defs", "definitions"):
            if isinstance(node.get(key), dict):
                stack.extend(reversed(list(node[key].values())))
        for key in ("items", "anyOf", "oneOf", "allOf", "prefixItems"):
            if key in node:
                stack.append(node[key])
    return None
