// Package greet builds on core; only the alpha command uses it.
package greet

import (
	"fmt"

	"example.com/gomono/internal/core"
)

const Version = "greet-v1"

func Greet(name string) string {
	return fmt.Sprintf("hello %s from %s (%s, 2+3=%d)", name, Version, core.Version, core.Add(2, 3))
}
