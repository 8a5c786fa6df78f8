"""Runs listings through Swift's own ContainerBroker (the oracle for listing_test.go).

Reads {"names": [...], "cases": [{"prefix", "delimiter", "marker", "end_marker",
"path", "limit", "reverse", "allow_reserved"}]} on stdin and writes, per case, the listed names with
subdirs as {"subdir": name}.
"""
import json
import sys

from swift.common.utils import Timestamp
from swift.container.backend import ContainerBroker

request = json.load(sys.stdin)
broker = ContainerBroker(':memory:', account='a', container='c')
broker.initialize(Timestamp(1).internal, 0)
for name in request['names']:
    broker.put_object(name, Timestamp(2).internal, 0, 'text/plain', 'etag')
out = []
for case in request['cases']:
    rows = broker.list_objects_iter(
        case['limit'], case['marker'], case['end_marker'], case['prefix'],
        case['delimiter'], path=case.get('path'), reverse=case['reverse'],
        allow_reserved=case.get('allow_reserved', False))
    out.append([{'subdir': r[0]} if r[3] is None else r[0] for r in rows])
json.dump(out, sys.stdout)
