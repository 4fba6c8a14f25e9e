#!/usr/bin/python3
"""Validates YAML scenario files against scenarios/scenario.schema.json (python3-jsonschema, python3-yaml).
usage: check_schema.py SCHEMA FILE...  — prints 'FILE: ok' or 'FILE: <first error>' per file; exit 1 if any failed."""
import json
import sys

import jsonschema
import yaml

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failed = False
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(yaml.safe_load(open(path))), key=lambda e: list(e.path))
    if errors:
        failed = True
        print("%s: %s at %s" % (path, errors[0].message, "/".join(str(p) for p in errors[0].path)))
    else:
        print("%s: ok" % path)
sys.exit(1 if failed else 0)
