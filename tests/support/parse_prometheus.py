#!/usr/bin/python3
"""Parses Prometheus text exposition with the reference parser (python3-prometheus-client) and prints one
line per sample: name{label="value",...} value, labels sorted. Exit 1 with the parser's error when the
text does not parse. Used by the report tests to read vpnprobe's output back."""
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
try:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
            print("%s{%s} %r" % (s.name, labels, s.value))
except Exception as e:  # the parser raises ValueError and others for bad input
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)
