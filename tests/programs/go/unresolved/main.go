// A Go program whose syscall number is computed at run time (600 plus the number of
// arguments): the analysis cannot know it, and must say which Go function passes it.
package main

import (
	"os"
	"syscall"
)

//go:noinline
func computedNumber() uintptr { return uintptr(600 + len(os.Args)) }

func main() {
	syscall.Syscall(computedNumber(), 0, 0, 0)
}
