package server

import (
	"encoding/json"
	"net/http"

	"github.com/radosswift/radosswift/internal/backend"
	"github.com/valyala/fasthttp"
)

// replicate answers Swift's db replicator (REPLICATE /device/partition/hash with a
// JSON [op, args...]): Ceph replicates these databases, so every call is a success
// with nothing to do. A "sync" is answered with the caller's own replication point and
// hash, which its _in_sync reads as "in sync" (no rows to send, no rsync).
func (s *Server) replicate(ctx *fasthttp.RequestCtx) {
	if _, err := backend.SplitPath(rawPath(ctx), 3, 3, false); err != nil {
		s.respond.Respond(ctx, err)
		return
	}
	var args []json.RawMessage
	if err := json.Unmarshal(ctx.Request.Body(), &args); err != nil || len(args) == 0 {
		backend.WriteStatus(ctx, http.StatusBadRequest, "Invalid object type", true)
		return
	}
	var op string
	json.Unmarshal(args[0], &op)
	if op != "sync" {
		backend.WriteStatus(ctx, http.StatusNoContent, "", false)
		return
	}
	// sync's arguments: max_row, hash, id, created_at, put_timestamp, delete_timestamp, metadata.
	field := func(i int) json.RawMessage {
		if i+1 < len(args) {
			return args[i+1]
		}
		return json.RawMessage("null")
	}
	body, _ := json.Marshal(map[string]json.RawMessage{
		"point": field(0), "max_row": field(0), "hash": field(1), "id": field(2),
		"created_at": field(3), "put_timestamp": field(4), "delete_timestamp": field(5),
		"metadata": json.RawMessage(`""`),
	})
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}
