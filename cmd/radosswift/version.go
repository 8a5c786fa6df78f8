package main

import (
	"fmt"

	"github.com/radosswift/radosswift/version"
)

func runVersion(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments")
	}
	fmt.Println(version.String())
	return nil
}
