package main

import (
	"fmt"
	"os"

	"example.com/gomono/internal/greet"
)

func main() {
	home, _ := os.UserHomeDir()
	fmt.Printf("alpha-v1: %s home=%s\n", greet.Greet("alpha"), home)
}
