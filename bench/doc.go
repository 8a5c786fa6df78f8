// Package bench measures the hot object path against the floor under it. Numbers are
// printed, never asserted: the tests only check that a run is sane (every op counted,
// no errors, every read MD5-verified, nothing left behind).
//
// Run (radosswift bench) is the harness of the whole server: PUT, GET (the body
// MD5-verified), HEAD, DELETE and a mixed read/write load, over object sizes and a
// concurrency sweep, each cell for a duration or a count of requests, against targets
// that are modes of the same loop: an object server over Swift's backend protocol
// (radosswift's, or stock Swift's Python one on local disk, started by StartSwiftPy), the
// Swift API through a proxy (tempauth), raw librados on the same pool (rawStore, the
// floor), and a trivial in-process server (Loopback) that shows the harness's own
// ceiling. Results carry ops/s, MiB/s, p50/p90/p99/max latency, errors and the ratio of
// each target to raw librados; they are written as markdown, JSON and a PNG chart
// (throughput and p99 against concurrency), and checked against the targets of issue 5.
//
// RunEngine (radosswift bench-engine) puts and gets small objects through the diskfile
// RADOS engine and, on the same pool, with the same sizes and concurrency, through raw
// go-ceph compound ops that do the least a Swift object needs (data and one metadata
// key in one write op; data and that key in one read op), and reports the ratio. Both
// sides hash the data with MD5 on PUT and verify it on GET, as the engine must, so the
// ratio is the cost of the engine's protocol (timestamp guard, JSON record, prefetch,
// extra ops) and not of hashing.
//
// RunLarge (radosswift bench-engine --large SIZE) streams one large object through the
// engine and back, sampling the process's resident memory, to show that the engine's
// memory stays bounded whatever the object size; then deletes it and runs one collector
// pass to reclaim its tails.
//
// A run works in a RADOS namespace of its own (a fresh one unless given, and it must be
// empty), and removes everything it wrote there before it returns.
package bench
