package main

import "fmt"

func main() { fmt.Println("go-app: ok") }
