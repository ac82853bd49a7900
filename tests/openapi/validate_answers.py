#!/usr/bin/env python3
"""Validates ringside's recorded JSON answers against api/openapi.json.

  validate_answers.py --document api/openapi.json --answers DIR
  validate_answers.py --document api/openapi.json --run build/tests/integration_tests \\
      --gtest-filter 'Sessions*:...'

With --run, the integration test binary runs first with RINGSIDE_RECORD_ANSWERS set to a fresh
directory (tests/integration/answer_recorder.h: one JSON line per answer, {method, path, status,
body}); it must pass. Every answer of a documented path and method is then validated with
jsonschema's Draft202012Validator against the schema of its status (or the operation's
"default"), $refs resolved in the document. Answers of paths the document does not name (the
Gameye stand-in's, probes of unknown paths) are counted and skipped. Exit 1 names, for each
answer that does not validate, its route, status and the failing field.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    from jsonschema import Draft202012Validator
except ImportError:  # Debian: python3-jsonschema (tools/setup installs it)
    sys.exit("validate_answers.py: python3-jsonschema is not installed (run tools/setup)")

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


class Document:
    def __init__(self, document):
        self.document = document
        self.routes = []  # (regex, template)
        for template in document["paths"]:
            pattern = "".join(
                "[^/]+" if re.fullmatch(r"\{[^}]+\}", part) else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template))
            self.routes.append((re.compile("^" + pattern + "$"), template))
        for _, schema in document["components"]["schemas"].items():
            Draft202012Validator.check_schema(schema)

    def template_of(self, path):
        path = path.split("?", 1)[0]
        for regex, template in self.routes:
            if regex.match(path):
                return template
        return None

    def resolve(self, pointer):
        node = self.document
        for token in pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def schema_pointer(self, template, method, status):
        """The JSON pointer of the answer's schema, or a reason why there is none."""
        operation = self.document["paths"][template].get(method)
        if operation is None:
            if status != 405:
                return None, "the method is not documented for this path"
            # A known path asked with another method: the error every route may answer.
            operation = {"responses": {"default": {"$ref": "#/components/responses/Default"}}}
        responses = operation["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            return None, f"status {status} is not documented (and there is no default)"
        pointer = "/".join(["", "paths", pointer_escape(template), method, "responses", key])
        response = responses[key]
        if "$ref" in response:
            pointer = response["$ref"][1:]
            response = self.resolve(pointer)
        if "application/json" not in response.get("content", {}):
            return None, f"status {key} documents no application/json body"
        return pointer + "/content/application~1json/schema", None

    def validator(self, schema_pointer):
        # The document is the root schema, so every "#/components/..." $ref resolves in it; the
        # OpenAPI keys beside "$ref" are not JSON Schema keywords and are ignored.
        root = dict(self.document)
        root["$ref"] = "#" + schema_pointer
        return Draft202012Validator(root)


def field_of(error):
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return "body" + path


def validate(document, answers):
    """Returns (failures, checked, skipped, covered) for an iterable of recorded answers."""
    failures, checked, skipped, covered = [], 0, 0, set()
    for answer in answers:
        method = answer["method"].lower()
        template = document.template_of(answer["path"])
        if template is None or method not in METHODS:
            skipped += 1
            continue
        route = f"{method.upper()} {template}"
        where = f"{route} -> {answer['status']} ({answer['method']} {answer['path']})"
        pointer, why = document.schema_pointer(template, method, answer["status"])
        if pointer is None:
            failures.append(f"{where}: {why}")
            continue
        try:
            body = json.loads(answer["body"])
        except json.JSONDecodeError as e:
            failures.append(f"{where}: the body is not JSON ({e})")
            continue
        checked += 1
        covered.add((route, answer["status"]))
        for error in sorted(document.validator(pointer).iter_errors(body), key=str):
            failures.append(f"{where}: field {field_of(error)}: {error.message}"
                            f"\n    body: {answer['body'][:400]}")
    return failures, checked, skipped, covered


def read_answers(directory):
    for name in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        with open(name, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--document", required=True)
    parser.add_argument("--answers", help="a directory of recorded *.jsonl")
    parser.add_argument("--run", help="an integration test binary to run while recording")
    parser.add_argument("--gtest-filter", default="*")
    args = parser.parse_args()
    with open(args.document, encoding="utf-8") as f:
        document = Document(json.load(f))

    with tempfile.TemporaryDirectory(prefix="ringside-answers-") as scratch:
        directory = args.answers or scratch
        if args.run:
            env = dict(os.environ, RINGSIDE_RECORD_ANSWERS=directory)
            run = subprocess.run([args.run, f"--gtest_filter={args.gtest_filter}"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if run.returncode != 0:
                print(run.stdout[-20000:])
                print(f"FAIL: {args.run} exited {run.returncode}: its answers are not checked")
                return 1
        failures, checked, skipped, covered = validate(document, read_answers(directory))

    for route, status in sorted(covered):
        print(f"checked: {route} -> {status}")
    documented = {f"{m.upper()} {t}" for t, item in document.document["paths"].items()
                  for m in item if m in METHODS}
    for route in sorted(documented - {r for r, _ in covered}):
        print(f"no recorded answer: {route}")
    print(f"{checked} answers validated, {skipped} of undocumented paths skipped, "
          f"{len(failures)} do not validate")
    for failure in failures:
        print("FAIL: " + failure)
    if checked == 0:
        print("FAIL: no answer was recorded (is RINGSIDE_RECORD_ANSWERS honoured?)")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
