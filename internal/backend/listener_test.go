package backend

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
)

func TestAPanickingHandlerAnswers500AndTheServerLivesOn(t *testing.T) {
	calls := 0
	h := RecoverPanics(zap.NewNop(), func(ctx *fasthttp.RequestCtx) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		ctx.SetStatusCode(http.StatusOK)
	})
	var first, second fasthttp.RequestCtx
	h(&first)
	require.Equal(t, http.StatusInternalServerError, first.Response.StatusCode())
	h(&second)
	require.Equal(t, http.StatusOK, second.Response.StatusCode())
}
