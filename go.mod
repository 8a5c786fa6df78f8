module github.com/radosswift/radosswift

go 1.26

require (
	github.com/ceph/go-ceph v0.36.0
	github.com/stretchr/testify v1.11.1
	github.com/valyala/fasthttp v1.66.0
	go.uber.org/zap v1.27.0
)

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.36.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
