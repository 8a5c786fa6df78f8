package server

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// Listings are encoded byte for byte as Swift 2.30.1 on Python 3 encodes them (json.dumps
// with ensure_ascii, ElementTree's tostring, one name per line), so that clients and the
// proxy's listing_formats middleware cannot tell the servers apart.

// listingTypes are the types a listing can be answered in, in swob's order of preference.
var listingTypes = []string{"text/plain", "application/json", "application/xml", "text/xml"}

// formatTypes maps the format= query parameter to the type it asks for.
var formatTypes = map[string]string{"plain": "text/plain", "json": "application/json", "xml": "application/xml"}

// listingContentType is get_listing_content_type: format= wins over Accept (an unknown
// format means plain text); an Accept that matches nothing is 406, a malformed one 400.
func (r *request) listingContentType() (string, error) {
	accept := r.header("Accept")
	format, _, err := r.param("format")
	if err != nil {
		return "", err
	}
	if format != "" {
		accept = formatTypes["plain"]
		if t, ok := formatTypes[strings.ToLower(format)]; ok {
			accept = t
		}
	}
	best, ok, err := bestMatch(accept, listingTypes)
	if err != nil {
		return "", badRequest("Invalid Accept header")
	}
	if !ok {
		return "", &backend.Error{Status: http.StatusNotAcceptable}
	}
	return best, nil
}

var (
	acceptToken   = `[^()<>@,;:\\"/\[\]?={}\x00-\x20\x7f]+`
	acceptPattern = regexp.MustCompile(`^\s*(` + acceptToken + `)/(` + acceptToken + `)((?:\s*;\s*(?:` + acceptToken +
		`)\s*=\s*(?:` + acceptToken + `|"(?:[^"]|(?:\\.))*"))*?\s*)$`)
)

// bestMatch is swob's Accept.best_match: media ranges sorted by quality, then exact
// before wildcard (stable otherwise); the first range that matches an option picks it.
// No Accept header means the first option.
func bestMatch(accept string, options []string) (string, bool, error) {
	if accept == "" {
		return options[0], true, nil
	}
	type mediaRange struct {
		typ, subtype string
		quality      float64
		exact        bool
	}
	var ranges []mediaRange
	for _, item := range strings.Split(accept, ",") {
		m := acceptPattern.FindStringSubmatch(item)
		if m == nil {
			return "", false, fmt.Errorf("invalid accept header")
		}
		quality, seenQ := 1.0, false
		for _, p := range strings.Split(m[3], ";") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			name, value, _ := strings.Cut(p, "=")
			if strings.TrimSpace(name) != "q" {
				continue
			}
			if seenQ {
				return "", false, fmt.Errorf("multiple q params")
			}
			seenQ = true
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return "", false, err
			}
			quality = q
		}
		ranges = append(ranges, mediaRange{m[1], m[2], quality, m[1] != "*" && m[2] != "*"})
	}
	sort.SliceStable(ranges, func(i, j int) bool {
		if ranges[i].quality != ranges[j].quality {
			return ranges[i].quality > ranges[j].quality
		}
		return ranges[i].exact && !ranges[j].exact
	})
	for _, mr := range ranges {
		for _, option := range options {
			typ, subtype, _ := strings.Cut(option, "/")
			if (mr.typ == "*" || mr.typ == typ) && (mr.subtype == "*" || mr.subtype == subtype) {
				return option, true, nil
			}
		}
	}
	return "", false, nil
}

// isoformat is Timestamp.isoformat: UTC, microseconds always written.
func isoformat(ts swift.Timestamp) string {
	return ts.Time().UTC().Format("2006-01-02T15:04:05.000000")
}

// containerListing encodes a container listing in contentType.
func containerListing(contentType, container string, entries []accountdb.ObjectEntry) []byte {
	var b bytes.Buffer
	switch {
	case strings.HasSuffix(contentType, "/json"):
		b.WriteByte('[')
		for i, e := range entries {
			if i > 0 {
				b.WriteString(", ")
			}
			if e.Subdir {
				b.WriteString(`{"subdir": `)
				writeJSONString(&b, e.Name)
				b.WriteByte('}')
				continue
			}
			contentType, size := listedContentType(e.ContentType, e.Size)
			fmt.Fprintf(&b, `{"bytes": %d, "hash": `, size)
			writeJSONString(&b, e.ETag)
			b.WriteString(`, "name": `)
			writeJSONString(&b, e.Name)
			b.WriteString(`, "content_type": `)
			writeJSONString(&b, contentType)
			b.WriteString(`, "last_modified": "` + isoformat(lastModified(e.ObjectRow)) + `"}`)
		}
		b.WriteByte(']')
	case strings.HasSuffix(contentType, "/xml"):
		b.WriteString(xmlDeclaration + `<container name="`)
		writeXMLAttr(&b, container)
		if len(entries) == 0 {
			b.WriteString(`" />`)
			return b.Bytes()
		}
		b.WriteString(`">`)
		for _, e := range entries {
			if e.Subdir {
				b.WriteString(`<subdir name="`)
				writeXMLAttr(&b, e.Name)
				b.WriteString(`">`)
				writeXMLElement(&b, "name", e.Name)
				b.WriteString(`</subdir>`)
				continue
			}
			contentType, size := listedContentType(e.ContentType, e.Size)
			b.WriteString("<object>")
			writeXMLElement(&b, "name", e.Name)
			writeXMLElement(&b, "hash", e.ETag)
			writeXMLElement(&b, "bytes", strconv.FormatInt(size, 10))
			writeXMLElement(&b, "content_type", contentType)
			writeXMLElement(&b, "last_modified", isoformat(lastModified(e.ObjectRow)))
			b.WriteString("</object>")
		}
		b.WriteString("</container>")
	default:
		for _, e := range entries {
			b.WriteString(e.Name)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// accountListing encodes an account listing in contentType.
func accountListing(contentType, account string, entries []accountdb.ContainerEntry) []byte {
	var b bytes.Buffer
	switch {
	case strings.HasSuffix(contentType, "/json"):
		b.WriteByte('[')
		for i, e := range entries {
			if i > 0 {
				b.WriteString(", ")
			}
			if e.Subdir {
				b.WriteString(`{"subdir": `)
				writeJSONString(&b, e.Name)
				b.WriteByte('}')
				continue
			}
			b.WriteString(`{"name": `)
			writeJSONString(&b, e.Name)
			fmt.Fprintf(&b, `, "count": %d, "bytes": %d, "last_modified": "%s"}`, e.ObjectCount, e.BytesUsed, isoformat(e.PutTimestamp))
		}
		b.WriteByte(']')
	case strings.HasSuffix(contentType, "/xml"):
		b.WriteString(xmlDeclaration + `<account name="`)
		writeXMLAttr(&b, account)
		b.WriteString("\">\n")
		for _, e := range entries {
			if e.Subdir {
				b.WriteString(`<subdir name="`)
				writeXMLAttr(&b, e.Name)
				b.WriteString("\" />\n")
				continue
			}
			b.WriteString("<container>")
			writeXMLElement(&b, "name", e.Name)
			writeXMLElement(&b, "count", strconv.FormatInt(e.ObjectCount, 10))
			writeXMLElement(&b, "bytes", strconv.FormatInt(e.BytesUsed, 10))
			writeXMLElement(&b, "last_modified", isoformat(e.PutTimestamp))
			b.WriteString("</container>\n")
		}
		b.WriteString("</account>")
	default:
		for _, e := range entries {
			b.WriteString(e.Name)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// lastModified is what a listing reports for a row: the time its metadata was last
// set (Swift's _transform_record keeps the meta timestamp, which defaults to the content
// type's, which defaults to the data's).
func lastModified(row accountdb.ObjectRow) swift.Timestamp {
	for _, ts := range []swift.Timestamp{row.MetaTimestamp, row.CtypeTimestamp} {
		if !ts.IsZero() {
			return ts
		}
	}
	return row.Timestamp
}

// contentTypeParam is parse_content_type's _rfc_extension_pattern.
var contentTypeParam = regexp.MustCompile(`(?:\s*;\s*(` + acceptToken + `)\s*(?:=\s*(` + acceptToken + `|"(?:[^"\\]|\\.)*"))?)`)

// listedContentType is override_bytes_from_content_type: a swift_bytes parameter
// (SLO manifests, encrypted objects) is the size listed and is dropped from the type;
// the other parameters are written back as ";key=value", as Swift rebuilds them.
func listedContentType(contentType string, size int64) (string, int64) {
	base, params, ok := strings.Cut(contentType, ";")
	if !ok {
		return contentType, size
	}
	out := base
	var swiftBytes *string
	for _, m := range contentTypeParam.FindAllStringSubmatch(";"+params, -1) {
		if m[1] == "swift_bytes" {
			swiftBytes = &m[2]
			continue
		}
		out += ";" + m[1] + "=" + m[2]
	}
	if swiftBytes != nil {
		if n, err := strconv.ParseInt(*swiftBytes, 10, 64); err == nil {
			size = n
		}
	}
	return out, size
}

const xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

// writeXMLElement writes <tag>text</tag>, or <tag /> for empty text as ElementTree does.
func writeXMLElement(b *bytes.Buffer, tag, text string) {
	if text == "" {
		b.WriteString("<" + tag + " />")
		return
	}
	b.WriteString("<" + tag + ">")
	for _, c := range []byte(text) {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("</" + tag + ">")
}

// writeXMLAttr escapes an attribute value as ElementTree's _escape_attrib does.
func writeXMLAttr(b *bytes.Buffer, value string) {
	for _, c := range []byte(value) {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\r':
			b.WriteString("&#13;")
		case '\n':
			b.WriteString("&#10;")
		case '\t':
			b.WriteString("&#09;")
		default:
			b.WriteByte(c)
		}
	}
}

// writeJSONString writes s as Python's json.dumps(ensure_ascii=True) does: ASCII only,
// other characters as \uXXXX (surrogate pairs above the BMP), no HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e:
			if r == utf8.RuneError {
				r = 0xfffd
			}
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				continue
			}
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
