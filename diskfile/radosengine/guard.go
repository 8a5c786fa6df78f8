package radosengine

import "github.com/radosswift/radosswift/internal/cmpomap"

// Guards run inside the OSD through the cmpomap object class, in the same write op as
// the change they protect: newest-timestamp-wins holds between processes and nodes
// without locks. Timestamps are compared as strings, which is correct because Swift's
// internal timestamp form sorts like the timestamps. The encodings live in
// internal/cmpomap, shared with the RADOS account/container databases.

const cmpomapClass = cmpomap.Class

var (
	guardNewer    = cmpomap.GuardNewer
	guardEqual    = cmpomap.GuardEqual
	setIfNewer    = cmpomap.SetIfNewer
	removeIfOlder = cmpomap.RemoveIfOlder
)
