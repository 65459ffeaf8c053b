//go:build !cgo

// Without cgo: no C marker, and os/user reads /etc/passwd itself.
package main

import "os/user"

func cgoMarker() {}

func lookupUser() string {
	u, err := user.Current()
	check("user", err)
	return u.Username
}
