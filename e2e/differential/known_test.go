package differential

import "strings"

// The differences found, in two tables. A difference no row covers fails the test, and
// so does a row that no longer covers anything (a bug fixed, an explanation gone stale):
// the tables say exactly what differs today.

// Conditions of class-wide rows, on the entry and Swift's answer.

// answeredByBestResponse: the proxy answers PUT, POST and DELETE, and every error, with
// best_response (proxy/controllers/base.py _compute_quorum_response): the status and
// the body of the backend answer it picked, its headers through update_headers (which
// drops Content-Type and Content-Length) on a fresh swob Response, which has its own
// Content-Type and sizes the body itself.
func answeredByBestResponse(e entry, a answer) bool {
	switch e.request.method() {
	case "PUT", "POST", "DELETE":
		return true
	}
	return a.failure != "" || a.status >= 300
}

func noBodyAllowed(_ entry, a answer) bool { return a.status == 204 || a.status == 304 }

// refusedKeepingConnection: Swift refused the request and left the connection open (it
// read the body, whole, to discard it).
func refusedKeepingConnection(_ entry, a answer) bool {
	return swiftFailed(a) && !strings.EqualFold(a.header.Get("Connection"), "close")
}

// knownDifferences are intended, or harmless to the proxy that reads them, and why.
var knownDifferences = []listed{
	{entry: "object: PUT Expect 100-continue, older than the stored object", fields: []string{"100 Continue", "header Connection", "follow-up"},
		reason: "Swift reads the stored object before the body (409 without 100 Continue); radosswift's PUT does not read first (one RADOS op per small PUT) and answers the 409 from its guarded commit, after the body"},
	{entry: "*", fields: []string{"header Etag", "setup * header Etag"},
		reason: "swob quotes ETags (\"...\"), radosswift sends them bare: the proxy removes every quote from a backend ETag (update_headers) and compares PUT answers with normalize_etag"},
	{entry: "object: *", fields: []string{"header Accept-Ranges"},
		reason: "the proxy sets Accept-Ranges: bytes on every object GET and HEAD it answers (GETorHEAD_base) whatever the object server sends"},
	{entry: "*", fields: []string{"header Content-Type", "header Content-Length", "setup * header Content-Type", "setup * header Content-Length"},
		when:   answeredByBestResponse,
		reason: "Content-Type and Content-Length of writes and errors: the proxy's best_response takes neither from the backend (update_headers skips them); the bodies themselves are compared apart"},
	{entry: "*", fields: []string{"header Allow"},
		reason: "a 405 from radosswift says which methods there are (Allow, as RFC 9110 asks); swob's 405 has none, and the proxy reads none"},
	{entry: "*", fields: []string{"header Content-Length"}, when: noBodyAllowed,
		reason: "a 204 or 304 has no body whatever it says: swob adds Content-Length: 0, fasthttp leaves it out"},
	{entry: "*: OPTIONS*", fields: []string{"header Content-Type"},
		reason: "an OPTIONS answer has no body: swob labels it text/html anyway; the proxy answers OPTIONS itself"},
	{entry: "object: REPLICATE", fields: []string{"body", "header Content-Type"},
		reason: "Ceph replicates: radosswift's REPLICATE always answers an empty suffix-hash dict, Swift pickles None for a partition it has no hashes file for; the replicator syncs nothing either way"},
	{entry: "object: GET a partition that is not a number", fields: []string{"*"},
		reason: "RADOS names do not depend on the partition, so radosswift does not read it; Swift looks in a partition directory named x and finds nothing (404). The proxy sends ring partitions, always numbers"},
	{entry: "object: GET a device that does not exist", fields: []string{"*"},
		reason: "a device is not a disk here: every node serves every device name from the same pool; Swift answers 507 for a missing device directory, and the rings name only devices that exist"},
	{entry: "container: HEAD a device that does not exist", fields: []string{"*"},
		reason: "as for objects: the databases live in RADOS, any device name reaches them"},
	{entry: "object: GET a broken %-escape", fields: []string{"status", "error body"},
		reason: "Swift leaves a broken escape as it is (and finds no such object), radosswift refuses the path (400); the proxy quotes every name it sends"},
	{entry: "object: GET a truncated %-escape", fields: []string{"status", "error body"},
		reason: "as for a broken escape"},
	{entry: "object: GET with 201 header lines", fields: []string{"header Content-Type", "header Content-Length", "error body"},
		reason: "both answer 431 and close; Swift's body is http.server's HTML error page (eventlet answers before the application), radosswift's is empty; the proxy reads its clients' requests under the same 200-line limit, so it never sends such a request"},
	{entry: "object: GET with a header without colon", fields: []string{"*"},
		reason: "a header line without a colon is malformed (RFC 9112): radosswift refuses it with 400 and closes; Python's http.client skips it"},
	{entry: "object: GET with a NUL in a header value", fields: []string{"*"},
		reason: "NUL is not allowed in a field value (RFC 9110 5.5): radosswift refuses it with 400 and closes; the proxy never sends one"},
	{entry: "object: HTTP/2.0 request line", fields: []string{"*"},
		reason: "fasthttp serves any HTTP/x.y request line as HTTP/1.1; Swift answers 505; the proxy speaks HTTP/1.1"},
	{entry: "object: PUT two different Content-Lengths", fields: []string{"*"},
		reason: "two different Content-Length values make the framing unknowable (RFC 9112 6.3): radosswift refuses with 400 and closes; Swift takes one of them"},
	{entry: "object: PUT chunked with a trailer", fields: []string{"follow-up"},
		reason: "eventlet leaves a chunked trailer in the stream and reads it as the next request (400); radosswift consumes it, so the connection goes on"},
	{entry: "object: PUT Transfer-Encoding gzip", fields: []string{"header Connection", "follow-up", "error body"},
		reason: "a body with an unknown transfer coding cannot be framed: radosswift answers (the same status, with swob's Bad Request page where Swift gives message_length's reason) and closes; eventlet keeps the connection and reads the body as the next request. The proxy sends only chunked"},
	{entry: "object: PUT Transfer-Encoding gzip, chunked", fields: []string{"status", "header Connection", "follow-up", "error body"},
		reason: "an unknown transfer coding: Swift 501, radosswift 400 and closes; the proxy sends only chunked"},
	{entry: "object: POST metadata name too long", fields: []string{"status", "body"},
		reason: "Swift's object server checks no metadata on POST (the proxy does, before it sends one); radosswift checks it there too (400)"},
	{entry: "object: POST metadata count 91", fields: []string{"status", "body"},
		reason: "as for a metadata name too long on POST"},
	{entry: "object: POST X-Delete-At garbage", fields: []string{"status", "error body"},
		reason: "Swift's object server fails on it with a 500 (an unparsed X-Delete-At); radosswift answers 400; the proxy checks X-Delete-At before it sends a POST"},
	{entry: "container: PUT an object row without X-Size", fields: []string{"status", "error body"},
		reason: "Swift's container server fails with a 500 (KeyError) on a row without X-Size, radosswift answers 400; the object server always sends it"},
	{entry: "container: PUT an object row with X-Size garbage", fields: []string{"status", "error body"},
		reason: "Swift 500 (int() of garbage), radosswift 400"},
	{entry: "container: PUT an object row without X-Content-Type", fields: []string{"status", "error body"},
		reason: "Swift 500 (KeyError); radosswift takes the row with an empty content type; the object server always sends it"},
	{entry: "container: PUT an object row without X-Etag", fields: []string{"status", "error body"},
		reason: "Swift 500 (KeyError); radosswift takes the row with an empty etag; the object server always sends it"},
	{entry: "account: PUT a container row without X-Put-Timestamp", fields: []string{"status", "error body"},
		reason: "Swift's account server fails with a 500 (KeyError), radosswift answers 400; the container server always sends every header"},
	{entry: "account: PUT a container row without counts", fields: []string{"status", "error body"},
		reason: "as without X-Put-Timestamp"},
	{entry: "account: PUT a container row with a policy index garbage", fields: []string{"status", "body"},
		reason: "Swift's account server stores the index as it came (201), and from then on every request to that account fails with a 500 (the corpus gives it an account of its own); radosswift refuses the row (400)"},
	{entry: "* with Content-Length: 10 and no body", fields: []string{"follow-up"},
		reason: "the connection stays usable after a bodiless request (HEAD, GET, DELETE, POST, OPTIONS) announcing a body: a body it cannot have is taken as never sent, as the proxy's reuse of connections needs; eventlet instead reads the announced 10 bytes from the next request and answers the rest of it 400"},
	{entry: "* with Transfer-Encoding: chunked and no body", fields: []string{"follow-up"},
		reason: "as with Content-Length: 10; eventlet reads the next request line as a chunk size and ends the connection"},
	{entry: "object: PUT*", fields: []string{"header Connection", "follow-up"}, when: refusedKeepingConnection,
		reason: "a PUT refused before its body closes the connection (Connection: close): Swift reads and discards the body, which may be GiBs (for 5 GiB it has not finished when the follow-up gives up); the proxy opens a connection per backend request"},
	{entry: "object: PUT Expect 100-continue, no body length", fields: []string{"header Connection", "follow-up"},
		reason: "a request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3), so after the 411 radosswift keeps the connection; eventlet closes it because the 100 Continue it was asked for was never sent"},
	{entry: "object: PUT chunked with a chunk longer than its size", fields: []string{"status", "body", "header Connection", "follow-up"},
		reason: "a chunked body with a chunk longer than its size is refused (499, closed): Swift stores what its parser took (201) and reads the rest as the next request"},
	{entry: "object: PUT chunked with a bad size", fields: []string{"header Connection"},
		reason: "both end the connection after a chunk size they cannot parse; radosswift says so with Connection: close"},
	{entry: "object: GET a raw space in the path", fields: []string{"error body"},
		reason: "both refuse the request line (400); Swift's body is http.server's HTML error page (eventlet answers before the application), radosswift's swob's Bad Request page; the proxy quotes every path it sends"},
	{entry: "object: garbage request line", fields: []string{"error body"}, reason: "as for a raw space in the path"},
	{entry: "object: GET an absolute URI", fields: []string{"error body"},
		reason: "both 400 Invalid path; Swift's message shows the path quoted (http%3A//...), radosswift's as it came; the proxy sends only paths"},
	{entry: "object: PUT Content-Length negative", fields: []string{"error body"},
		reason: "both 400: eventlet answers a Content-Length it cannot parse itself, with an empty body; radosswift with swob's Bad Request page; the proxy sends only the length it counted"},
	{entry: "object: PUT Content-Length not a number", fields: []string{"error body"}, reason: "as for a negative Content-Length"},
	{entry: "account: HEAD after the container rows", fields: []string{"header X-Account-*"},
		reason: "the account server keeps the counts of the newest report: Swift's merge_items takes counts from every update, which lets a late report from another container server bring back stale counts (here a deleted row revived by an update with an older X-Put-Timestamp and 7 objects); accountdb's MergeContainerRow drops an older report whole"},
	{entry: "account: GET listing after the container rows", fields: []string{"header X-Account-*", "header Content-Length", "body"},
		reason: "the same container row: listed by Swift (count 7), not by radosswift"},
}

// bugDifferences are differences in radosswift's servers still to fix; each row says
// what Swift does and why it matters.
var bugDifferences = []listed{}
