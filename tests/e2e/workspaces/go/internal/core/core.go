// Package core is the shared library: both commands and package greet use it.
package core

const Version = "core-v1"

// Add adds two numbers; the commands print its result to show the package is linked in.
func Add(a, b int) int { return a + b }
