package radosconn

// librados allocates its message buffers (a 4 MiB stripe is one buffer) with the C
// allocator; glibc's malloc keeps such buffers in per-thread arenas long after they
// are freed, which measured 52 to 136 MiB above idle while streaming one 1 GiB object.
// tcmalloc, the allocator Ceph's own daemons use, returns them: +38 to +50 MiB. The
// soname is linked directly so that only the runtime package (libtcmalloc-minimal4)
// is needed, not the -dev one.

// #cgo LDFLAGS: -l:libtcmalloc_minimal.so.4
import "C"
