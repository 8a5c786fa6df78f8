package accountdb

import (
	"maps"
	"strings"

	"github.com/radosswift/radosswift/internal/swift"
)

// MergeMetadata is Swift's update_metadata (swift/common/db.py): per key, an update wins
// when the key is new or its timestamp is newer than the stored one. An empty value is a
// deletion and is kept with its timestamp, so an older update cannot bring the key back.
// stored is not modified; changed reports whether merged differs from it.
func MergeMetadata(stored, update Metadata) (merged Metadata, changed bool) {
	merged = maps.Clone(stored)
	if merged == nil {
		merged = Metadata{}
	}
	for key, item := range update {
		old, ok := merged[key]
		if !ok || item.Timestamp.After(old.Timestamp) {
			merged[key] = item
			changed = true
		}
	}
	return merged, changed
}

// metadataKeptOnDelete are the items Swift's delete_db leaves alone (ContainerBroker's
// delete_meta_whitelist): a deleted shard must still know its root.
var metadataKeptOnDelete = []string{
	"x-container-sysmeta-shard-quoted-root",
	"x-container-sysmeta-shard-root",
}

// ClearedMetadata is the update Swift's delete_db merges before marking a database
// deleted: every stored item set to the empty value at ts.
func ClearedMetadata(stored Metadata, ts swift.Timestamp) Metadata {
	cleared := Metadata{}
	for key := range stored {
		kept := false
		for _, k := range metadataKeptOnDelete {
			kept = kept || strings.EqualFold(key, k)
		}
		if !kept {
			cleared[key] = MetaItem{Value: "", Timestamp: ts}
		}
	}
	return cleared
}

// withEffectiveTimestamps fills a row's zero timestamps as Swift reads them: the content
// type was set with the data, the metadata with the content type.
func withEffectiveTimestamps(r ObjectRow) ObjectRow {
	if r.CtypeTimestamp.IsZero() {
		r.CtypeTimestamp = r.Timestamp
	}
	if r.MetaTimestamp.IsZero() {
		r.MetaTimestamp = r.CtypeTimestamp
	}
	return r
}

// MergeObjectRow is Swift 2.30.1's rule for a container's object row
// (update_new_item_from_existing in swift/container/backend.py). Three parts have three
// timestamps and each part comes from whichever row is newer for it, the stored row on a
// tie: the data (size, etag, deleted, policy and a ";swift_bytes=" content-type
// parameter) by Timestamp, the content type by CtypeTimestamp, and MetaTimestamp itself.
// apply is false when the update is newer in no part, and the stored row stays as it is.
// The result has all three timestamps set.
func MergeObjectRow(stored *ObjectRow, update ObjectRow) (result ObjectRow, apply bool) {
	result = withEffectiveTimestamps(update)
	if stored == nil {
		return result, true
	}
	existing := withEffectiveTimestamps(*stored)
	contentType, swiftBytes := splitSwiftBytes(result.ContentType)
	existingType, existingBytes := splitSwiftBytes(existing.ContentType)

	if result.Timestamp.After(existing.Timestamp) {
		apply = true
	} else {
		result.Timestamp = existing.Timestamp
		result.Size = existing.Size
		result.ETag = existing.ETag
		result.Deleted = existing.Deleted
		result.StoragePolicyIndex = existing.StoragePolicyIndex
		swiftBytes = existingBytes
	}
	if result.CtypeTimestamp.After(existing.CtypeTimestamp) {
		apply = true
	} else {
		result.CtypeTimestamp = existing.CtypeTimestamp
		contentType = existingType
	}
	if result.MetaTimestamp.After(existing.MetaTimestamp) {
		apply = true
	} else {
		result.MetaTimestamp = existing.MetaTimestamp
	}
	if !apply {
		return *stored, false
	}
	result.ContentType = contentType
	if swiftBytes != "" {
		result.ContentType += ";swift_bytes=" + swiftBytes
	}
	return result, true
}

// splitSwiftBytes takes the swift_bytes parameter (a manifest's total size, set by SLO)
// out of a content type, because it belongs to the data and not to the content type.
func splitSwiftBytes(contentType string) (rest, swiftBytes string) {
	params := strings.Split(contentType, ";")
	kept := params[:1]
	for _, param := range params[1:] {
		key, value, _ := strings.Cut(strings.TrimSpace(param), "=")
		if strings.TrimSpace(key) == "swift_bytes" {
			swiftBytes = strings.TrimSpace(value)
			continue
		}
		kept = append(kept, param)
	}
	return strings.Join(kept, ";"), swiftBytes
}

// StatsDelta is how a container's stats for one storage policy change when old (nil: no
// row) is replaced by new: only live rows of that policy count. A backend that keeps
// stats per policy, as it must for a container recreated with another policy, calls it
// for old's policy and, when different, for new's.
func StatsDelta(old *ObjectRow, new ObjectRow, policy int) (dCount, dBytes int64) {
	count := func(r *ObjectRow) (int64, int64) {
		if r == nil || r.Deleted || r.StoragePolicyIndex != policy {
			return 0, 0
		}
		return 1, r.Size
	}
	oldCount, oldBytes := count(old)
	newCount, newBytes := count(&new)
	return newCount - oldCount, newBytes - oldBytes
}

// ContainerRowLive is Swift's rule for an account's container row (account merge_items):
// the row counts and is listed unless it is deleted and holds no objects. A container
// deleted while objects still arrived is alive with them.
func ContainerRowLive(r ContainerRow) bool {
	return !r.Deleted() || r.ObjectCount != 0
}

// MergeContainerRow is Swift's account merge_items rule for a container row: the newest
// PUT and the newest DELETE timestamp are each kept, and the counts (with the policy) come
// from the update, unless it reports an older life of the container than the stored row
// (its newest timestamp is older than the stored row's newest): a late report must not
// bring back counts that a newer report replaced. apply is false when nothing changes.
func MergeContainerRow(stored *ContainerRow, update ContainerRow) (result ContainerRow, apply bool) {
	if stored == nil {
		return update, true
	}
	result = update
	if stored.PutTimestamp.After(result.PutTimestamp) {
		result.PutTimestamp = stored.PutTimestamp
	}
	if stored.DeleteTimestamp.After(result.DeleteTimestamp) {
		result.DeleteTimestamp = stored.DeleteTimestamp
	}
	if newest(stored.PutTimestamp, stored.DeleteTimestamp).After(newest(update.PutTimestamp, update.DeleteTimestamp)) {
		result.ObjectCount = stored.ObjectCount
		result.BytesUsed = stored.BytesUsed
		result.StoragePolicyIndex = stored.StoragePolicyIndex
	}
	return result, result != *stored
}

func newest(a, b swift.Timestamp) swift.Timestamp {
	if b.After(a) {
		return b
	}
	return a
}

// TotalsDelta is how an account's totals for one storage policy change when old (nil: no
// row) is replaced by new: only live rows (ContainerRowLive) of that policy count. Call it
// for old's policy and, when different, for new's.
func TotalsDelta(old *ContainerRow, new ContainerRow, policy int) PolicyStats {
	totals := func(r *ContainerRow) PolicyStats {
		if r == nil || !ContainerRowLive(*r) || r.StoragePolicyIndex != policy {
			return PolicyStats{}
		}
		return PolicyStats{ContainerCount: 1, ObjectCount: r.ObjectCount, BytesUsed: r.BytesUsed}
	}
	o, n := totals(old), totals(&new)
	return PolicyStats{
		ContainerCount: n.ContainerCount - o.ContainerCount,
		ObjectCount:    n.ObjectCount - o.ObjectCount,
		BytesUsed:      n.BytesUsed - o.BytesUsed,
	}
}
