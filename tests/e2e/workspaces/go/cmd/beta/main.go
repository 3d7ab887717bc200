package main

import (
	"fmt"

	"example.com/gomono/internal/core"
)

func main() {
	fmt.Printf("beta-v1: %s 20+22=%d\n", core.Version, core.Add(20, 22))
}
