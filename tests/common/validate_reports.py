#!/usr/bin/env python3
"""Validates ironbox's JSON documents against the schemas the binary publishes.

Started once per test binary by tests/common/schema.rs (argv[1]: the binary). Reads one JSON
line per document, {"args": [...], "doc": ...}, and answers one line: "ok", "skip" (a schema
request) or "FAIL <reason>": a report against its command's schema, `--schema` output (a layout
schema) against the JSON Schema meta-schema. Exits when stdin closes (the test binary ended).
"""
import json
import subprocess
import sys

import jsonschema

# Global options that take a value: their value is not a command word.
VALUED = {"--progress", "--sysroot"}


def command_path(args):
    words, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--":
            break
        elif a.startswith("-"):
            skip = a in VALUED
        else:
            words.append(a)
    return words


def main():
    out = subprocess.run([sys.argv[1], "--progress", "none", "--report-schema"],
                         check=True, capture_output=True).stdout
    schemas = json.loads(out)
    validators = {}
    for name, schema in schemas.items():
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validators[name] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    tops = {k.split(" ")[0] for k in schemas}
    for line in sys.stdin:
        msg = json.loads(line)
        args, doc = msg["args"], msg["doc"]
        if "--report-schema" in args:
            answer = "skip"
        elif "--schema" in args and list(doc) != ["error"]:
            # `partition --schema` prints the layout document's schema, not a report: it must
            # be a valid JSON Schema itself.
            answer = check_is_schema(doc)
        elif isinstance(doc, dict) and list(doc) == ["error"]:
            answer = check(validators["error"], doc, "error")
        else:
            words = command_path(args)
            # The command is the first registered word; a subcommand's own schema wins.
            while words and words[0] not in tops:
                words.pop(0)
            name = next((" ".join(words[:n]) for n in range(len(words), 0, -1)
                         if " ".join(words[:n]) in validators), None)
            if name is None:
                answer = f"FAIL no report schema is registered for {' '.join(args)!r}"
            else:
                answer = check(validators[name], doc, name)
        print(answer, flush=True)


def check_is_schema(doc):
    try:
        jsonschema.validators.validator_for(doc).check_schema(doc)
        return "ok"
    except jsonschema.exceptions.SchemaError as e:
        return "FAIL not a valid JSON Schema: " + str(e.message).replace("\n", " ")[:2000]


def check(validator, doc, name):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return "ok"
    e = errors[0]
    where = "/".join(str(p) for p in e.absolute_path) or "(root)"
    text = f"{len(errors)} error(s) against schema {name!r}; first at {where}: {e.message}"
    return "FAIL " + text.replace("\n", " ")[:2000]


if __name__ == "__main__":
    main()
