package differential

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

func isWrite(e entry, _ answer) bool { return answeredByBestResponse(e, answer{status: 200}) }

// knownDifferences are intended, or harmless to the proxy that reads them, and why.
var knownDifferences = []listed{
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
	{entry: "object: GET a broken %-escape", fields: []string{"status"},
		reason: "Swift leaves a broken escape as it is (and finds no such object), radosswift refuses the path (400); the proxy quotes every name it sends"},
	{entry: "object: GET a truncated %-escape", fields: []string{"status"},
		reason: "as for a broken escape"},
	{entry: "object: GET with a 64 KiB header block", fields: []string{"status", "follow-up"},
		reason: "both refuse and close (Swift 400, radosswift 431 Request Header Fields Too Large)"},
	{entry: "object: GET with one header line of 8300 bytes", fields: []string{"*"},
		reason: "radosswift takes header lines longer than max_header_size (Swift: 400 from eventlet's MAX_HEADER_LINE); the proxy already refuses such lines from clients, so it never sends one"},
	{entry: "object: GET with 201 header lines", fields: []string{"*"},
		reason: "radosswift takes more header lines than Swift (431 past 200: http.client's _MAXHEADERS, which bufferedhttp sets to 1.6 x MAX_HEADER_COUNT); the proxy is bound by the same limit on its clients' requests"},
	{entry: "object: GET with a request line of 9000 bytes", fields: []string{"*"},
		reason: "radosswift takes request lines longer than 8 KiB (Swift: 414); the proxy's own request lines are bounded by max_object_name_length and the quoting of the path"},
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
	{entry: "object: PUT Transfer-Encoding gzip", fields: []string{"header Connection", "follow-up"},
		reason: "a body with an unknown transfer coding cannot be framed: radosswift answers (the same status) and closes; eventlet keeps the connection and reads the body as the next request"},
	{entry: "object: PUT Transfer-Encoding gzip, chunked", fields: []string{"status", "header Connection", "follow-up"},
		reason: "an unknown transfer coding: Swift 501, radosswift 400 and closes; the proxy sends only chunked"},
	{entry: "object: POST metadata name too long", fields: []string{"status"},
		reason: "Swift's object server checks no metadata on POST (the proxy does, before it sends one); radosswift checks it there too (400)"},
	{entry: "object: POST metadata count 91", fields: []string{"status"},
		reason: "as for a metadata name too long on POST"},
	{entry: "object: POST X-Delete-At garbage", fields: []string{"status"},
		reason: "Swift's object server fails on it with a 500 (an unparsed X-Delete-At); radosswift answers 400; the proxy checks X-Delete-At before it sends a POST"},
	{entry: "container: PUT an object row without X-Size", fields: []string{"status"},
		reason: "Swift's container server fails with a 500 (KeyError) on a row without X-Size, radosswift answers 400; the object server always sends it"},
	{entry: "container: PUT an object row with X-Size garbage", fields: []string{"status"},
		reason: "Swift 500 (int() of garbage), radosswift 400"},
	{entry: "container: PUT an object row without X-Content-Type", fields: []string{"status"},
		reason: "Swift 500 (KeyError); radosswift takes the row with an empty content type; the object server always sends it"},
	{entry: "container: PUT an object row without X-Etag", fields: []string{"status"},
		reason: "Swift 500 (KeyError); radosswift takes the row with an empty etag; the object server always sends it"},
	{entry: "account: PUT a container row without X-Put-Timestamp", fields: []string{"status"},
		reason: "Swift's account server fails with a 500 (KeyError), radosswift answers 400; the container server always sends every header"},
	{entry: "account: PUT a container row without counts", fields: []string{"status"},
		reason: "as without X-Put-Timestamp"},
	{entry: "account: PUT a container row with a policy index garbage", fields: []string{"status"},
		reason: "Swift 500 (int() of garbage), radosswift 400"},
	{entry: "object: HEAD with Content-Length: 10 and no body", fields: []string{"header Connection", "follow-up"},
		reason: "eventlet reads the announced 10 bytes from the next request on the connection and answers the rest of it 400; radosswift answers at once and closes the connection (Connection: close), so no request is lost"},
	{entry: "object: GET with Content-Length: 10 and no body", fields: []string{"header Connection", "follow-up"}, reason: "as for HEAD"},
	{entry: "object: DELETE with Content-Length: 10 and no body", fields: []string{"header Connection", "follow-up"}, reason: "as for HEAD"},
	{entry: "object: POST with Content-Length: 10 and no body", fields: []string{"header Connection", "follow-up"}, reason: "as for HEAD"},
	{entry: "object: OPTIONS with Content-Length: 10 and no body", fields: []string{"header Connection", "follow-up"}, reason: "as for HEAD"},
	{entry: "object: * with Transfer-Encoding: chunked and no body", fields: []string{"header Connection"},
		reason: "both end the connection (eventlet reads the next request as a chunk size); radosswift says so with Connection: close"},
}

// bugDifferences are differences in radosswift's servers still to fix; each row says
// what Swift does and why it matters.
var bugDifferences = []listed{
	{entry: "*", fields: []string{"error body", "body", "setup * body"}, when: isWrite,
		reason: "bodies of write answers are not swob's (Swift: the reason given, or swob's HTML page such as <html><h1>Accepted</h1>... for a 202; radosswift: the bare status text, or nothing); best_response passes them to the client"},
	{entry: "account: HEAD after the container rows", fields: []string{"header X-Account-*"},
		reason: "a container row older than the stored one (here: deleted, then an update with X-Put-Timestamp 1000 and 7 objects): Swift's account merge_items keeps the newest put and delete timestamps but takes object count and bytes from every update, and counts the row as deleted only while its delete timestamp is newer and its count zero, so the container is live again with 7 objects; radosswift drops the older update whole. The container updater reports new counts under an unchanged put timestamp, so Swift's rule is the one the account totals rely on"},
	{entry: "account: GET listing after the container rows", fields: []string{"header X-Account-*", "header Content-Length", "body"},
		reason: "the same container row: listed by Swift (count 7), not by radosswift"},
	{entry: "account: GET a missing account*", fields: []string{"error body"},
		reason: "Swift answers a GET of a missing account 404 with an empty body; radosswift with swob's Not Found page (the proxy passes the body on)"},
	{entry: "account: GET a deleted account", fields: []string{"error body"},
		reason: "as for a missing account"},
	{entry: "object: GET a NUL byte %00", fields: []string{"status"},
		reason: "Swift refuses a NUL in a name outside the reserved namespace (validate_internal_obj: 400); radosswift looks the object up"},
	{entry: "object: PUT a NUL byte in the object name", fields: []string{"status"},
		reason: "Swift: 400 (validate_internal_obj); radosswift stores it"},
	{entry: "object: PUT a NUL byte in the container name", fields: []string{"status"},
		reason: "Swift: 400 (validate_internal_obj checks the container too); radosswift stores it"},
	{entry: "object: PUT into the reserved namespace", fields: []string{"status"},
		reason: "a name starting with NUL is reserved: Swift needs X-Backend-Allow-Reserved-Names: true (400 without), radosswift stores it"},
	{entry: "object: PUT an object name of 1024 x é (2048 bytes)", fields: []string{"status", "body"},
		reason: "max_object_name_length counts characters in Swift (the WSGI path is decoded); radosswift counts bytes and refuses 1024 characters of 2 bytes"},
	{entry: "object: PUT an object name of 513 x é (1026 bytes)", fields: []string{"status", "body"},
		reason: "as for 1024 x é"},
	{entry: "object: PUT without Content-Type", fields: []string{"status"},
		reason: "Swift's check_object_creation refuses a PUT without Content-Type (400 No content type); radosswift stores it (the proxy always sends one, so only other clients of the backend see it)"},
	{entry: "object: PUT with an empty Content-Type", fields: []string{"status"},
		reason: "as without Content-Type"},
	{entry: "object: PUT ETag upper-case", fields: []string{"status"},
		reason: "Swift compares the client's ETag with the MD5's lower-case hex as strings (422 for upper case); radosswift compares regardless of case"},
	{entry: "object: PUT metadata: UTF-8 in the name (X-Object-Meta-ké)", fields: []string{"*"},
		reason: "fasthttp refuses a header name with a non-token byte (400 Error when parsing request, connection closed); Swift takes it (WSGI latin-1) and stores the metadata"},
	{entry: "object: POST UTF-8 in a metadata name", fields: []string{"*"}, reason: "as for PUT"},
	{entry: "container: PUT with UTF-8 in a metadata name", fields: []string{"*"}, reason: "as for the object server"},
	{entry: "container: HEAD the container with UTF-8 metadata", fields: []string{"*"}, reason: "the PUT before it was refused"},
	{entry: "account: POST UTF-8 in a metadata name", fields: []string{"*"}, reason: "as for the object server"},
	{entry: "object: GET with a 20 KiB header block", fields: []string{"*"},
		reason: "radosswift refuses a header block over 16 KiB (431, connection closed) made of ordinary headers; Swift has no bound on the block, only per line (8 KiB) and on the count (126)"},
	{entry: "object: PUT Content-Length over 5 GiB", fields: []string{"status"},
		reason: "Swift answers 413 at once from the headers; radosswift waits for the body"},
	{entry: "object: PUT Content-Length over 5 GiB with Expect", fields: []string{"status"},
		reason: "as without Expect: Swift 413 without 100 Continue"},
	{entry: "object: PUT Expect 100-continue, *", fields: []string{"status", "100 Continue", "header Connection", "follow-up"},
		reason: "Swift checks the headers before it reads the body, so a PUT that fails them gets its error without 100 Continue (and the connection closes, the body never sent); radosswift sends 100 Continue first and reads the body. For 'no Content-Type' the status differs too (see PUT without Content-Type)"},
	{entry: "object: PUT Expect 100-CONTINUE upper-case", fields: []string{"status"},
		reason: "the expectation is case-insensitive (RFC 9110 10.1.1): Swift sends 100 Continue, radosswift neither answers nor reads the body (hangs)"},
	{entry: "object: GET with LF-only line ends", fields: []string{"status"},
		reason: "a request with bare LF line ends gets no answer (hangs until the client gives up); Swift serves it (Python accepts LF), and a server should at least answer 400"},
	{entry: "object: PUT chunked with a bad size", fields: []string{"follow-up", "header Connection"},
		reason: "after a chunk size it cannot parse, radosswift answers but keeps the connection and reads the rest of the body as the next request; Swift closes it"},
	{entry: "object: PUT chunked with a chunk longer than its size", fields: []string{"status", "follow-up"},
		reason: "a chunk longer than its size line is answered 499 (the proxy's client-disconnect code) and the rest of the body is read as the next request; a malformed body deserves 400 and a closed connection (eventlet is lenient and stores the first bytes, 201)"},
	{entry: "container: * with Content-Length: 10 and no body", fields: []string{"status"},
		reason: "the container server waits for a body a HEAD, GET, POST or OPTIONS never sends (no answer); Swift answers at once"},
	{entry: "container: * with Transfer-Encoding: chunked and no body", fields: []string{"status"}, reason: "as with Content-Length"},
	{entry: "account: * with Content-Length: 10 and no body", fields: []string{"status"}, reason: "as for the container server"},
	{entry: "account: * with Transfer-Encoding: chunked and no body", fields: []string{"status"}, reason: "as for the container server"},
	{entry: "object: *", fields: []string{"error body"},
		reason: "object server error pages are not swob's (Swift: <html><h1>Not Found</h1><p>The resource could not be found.</p></html>, or the reason given; radosswift: the bare status text); the proxy's best_response passes the body of a backend error to the client"},
}
