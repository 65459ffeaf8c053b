//go:build cgo

// The cgo half of the test program: C code calling libc's syscall(609), and a user lookup
// through libc (os/user uses getpwuid_r with cgo, which loads NSS modules).
package main

// #include <unistd.h>
// static long cgo_marker(void) { return syscall(609); }
import "C"

import "os/user"

func cgoMarker() { C.cgo_marker() }

func lookupUser() string {
	u, err := user.Current()
	check("user", err)
	return u.Username
}
