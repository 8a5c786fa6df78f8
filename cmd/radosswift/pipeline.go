package main

import (
	"github.com/valyala/fasthttp"
)

func buildPipeline(node *objectNode) (func(fasthttp.RequestHandler) fasthttp.RequestHandler, error) {
	return nil, nil
}
