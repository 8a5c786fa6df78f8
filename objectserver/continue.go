package objectserver

import (
	_ "unsafe" // go:linkname

	_ "github.com/valyala/fasthttp"
)

// The Swift proxy sends object metadata after the body (MIME footers: the encryption
// middleware needs them) only when the object server's "100 Continue" carries
// X-Obj-Metadata-Footer: yes. fasthttp writes a fixed 100 Continue line, so its bytes
// are replaced once, at start-up. A proxy that did not ask for footers ignores the
// header (swift/proxy/controllers/obj.py checks it only when it needs footers), so
// answering every Expect: 100-continue this way is safe. The multiphase commit is not
// offered: the proxy asks for it only for erasure-coded policies, and with Ceph the
// pool does the erasure coding, so the rings here are replicated ones.
//
//go:linkname fasthttpContinueLine github.com/valyala/fasthttp.strResponseContinue
var fasthttpContinueLine []byte

func init() {
	fasthttpContinueLine = []byte("HTTP/1.1 100 Continue\r\nX-Obj-Metadata-Footer: yes\r\n\r\n")
}
