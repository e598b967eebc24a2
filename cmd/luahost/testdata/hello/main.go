// Command hello prints a line: the floor a Go command's start-up is
// measured against (BenchmarkHelloFloor).
package main

import "fmt"

func main() { fmt.Println("hello") }
