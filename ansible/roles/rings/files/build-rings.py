#!/usr/bin/python3
"""build-rings: makes Swift's rings list exactly the given storage nodes, changing nothing
when they already do.

    build-rings.py BUILDER_DIR PART_POWER DEVICE POLICIES SPEC_JSON

SPEC_JSON gives the devices of the account, container and object servers, as
{"account": [[ip, port], ...], "container": [...], "object": [...]}; every storage policy
of POLICIES (comma-separated indexes) gets an object ring of the object servers
(object.ring.gz for policy 0, object-N.ring.gz for policy N). Replica count 1: Ceph replicates, so a device is a node's server, not
a disk, and a ring change moves no data. A ring whose builder already lists exactly
those devices is left alone (its file keeps its bytes); otherwise devices are added or
removed and the ring rebalanced at once (min_part_hours 0: nothing waits for data to
move). Prints JSON: {"changed": [names], "rings": {name: [ip:port/device, ...]}}.
"""

import json
import os
import sys

from swift.common.ring import RingBuilder


def save_atomically(path, save):
    save(path + ".tmp")
    os.rename(path + ".tmp", path)


def sync_ring(builder_dir, name, part_power, device, wanted):
    builder_path = os.path.join(builder_dir, name + ".builder")
    ring_path = os.path.join(builder_dir, name + ".ring.gz")
    if os.path.exists(builder_path):
        builder = RingBuilder.load(builder_path)
    else:
        builder = RingBuilder(part_power, 1, 0)
    builder.change_min_part_hours(0)

    wanted_keys = {(ip, int(port)) for ip, port in wanted}
    present = {(d["ip"], d["port"]): d for d in builder.devs if d is not None}
    changed = False
    for key, dev in present.items():
        if key not in wanted_keys:
            builder.remove_dev(dev["id"])
            changed = True
    for ip, port in wanted:
        if (ip, int(port)) not in present:
            builder.add_dev({"region": 1, "zone": 1, "ip": ip, "port": int(port),
                             "replication_ip": ip, "replication_port": int(port),
                             "device": device, "weight": 100})
            changed = True
    if changed or not os.path.exists(ring_path):
        builder.pretend_min_part_hours_passed()
        builder.rebalance()
        save_atomically(builder_path, builder.save)
        save_atomically(ring_path, lambda p: builder.get_ring().save(p))
        changed = True
    listed = sorted("%s:%d/%s" % (d["ip"], d["port"], d["device"])
                    for d in builder.devs if d is not None)
    return changed, listed


def main():
    builder_dir, part_power, device = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    policies, servers = sys.argv[4].split(","), json.loads(sys.argv[5])
    spec = {"account": servers["account"], "container": servers["container"]}
    for index in policies:
        spec["object" if int(index) == 0 else "object-%d" % int(index)] = servers["object"]
    os.makedirs(builder_dir, exist_ok=True)
    report = {"changed": [], "rings": {}}
    for name in sorted(spec):
        if not spec[name]:
            sys.exit("build-rings: ring %s would list no device" % name)
        changed, listed = sync_ring(builder_dir, name, part_power, device, spec[name])
        if changed:
            report["changed"].append(name)
        report["rings"][name] = listed
    print(json.dumps(report))


if __name__ == "__main__":
    main()
