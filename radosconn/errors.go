package radosconn

import (
	"errors"

	"github.com/ceph/go-ceph/rados"
)

// Errno digs the positive errno out of a go-ceph error, including the first failing
// step of a compound op: go-ceph's OperationError does not unwrap, so errors.Is
// cannot see through it.
func Errno(err error) int {
	var opErr rados.OperationError
	if errors.As(err, &opErr) {
		if c := Errno(opErr.OpError); c != 0 {
			return c
		}
		for _, stepErr := range opErr.StepErrors {
			if c := Errno(stepErr); c != 0 {
				return c
			}
		}
		return 0
	}
	var coded interface{ ErrorCode() int }
	if errors.As(err, &coded) {
		c := coded.ErrorCode()
		if c < 0 {
			c = -c
		}
		return c
	}
	return 0
}

// IsNotFound reports whether a RADOS operation failed because the object is missing.
func IsNotFound(err error) bool { return Errno(err) == 2 }
