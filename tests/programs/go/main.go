// The Go test program of the static analysis: every way a Go program reaches a system call,
// each marked with a fake syscall number the analysis must report as "syscall_6xx":
//
//	600 syscall.Syscall in main              601 syscall.RawSyscall in main
//	602 syscall.Syscall6 from a goroutine    603 through two wrappers of our own (number as
//	                                             their argument, two and three levels up)
//	604 a method called through an interface value (an itab the compiler builds)
//	605 a method found by a type assertion at run time (an itab the runtime builds)
//	606 a method called by reflection        607 a closure stored in a package variable
//	608 in a signal-handling goroutine       (cgo builds: 609, syscall(609) from C, marker.go)
//
// It also uses what real programs do: files, os/exec, os/signal, goroutines and channels,
// a TCP connection on loopback, and (cgo builds) a user lookup through libc's NSS. Built with
// and without cgo, as a position-dependent and a position-independent program, with and
// without symbols (CMakeLists.txt). Exit status 0 when every step worked.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"reflect"
	"sync"
	"syscall"
	"time"
)

// mark issues the fake syscall `number`; it fails with ENOSYS, which is expected.
//
//go:noinline
func mark(number uintptr) {
	_, _, errno := syscall.Syscall(number, 0, 0, 0)
	if errno != syscall.ENOSYS {
		fmt.Fprintf(os.Stderr, "syscall %d: %v\n", number, errno)
		os.Exit(1)
	}
}

//go:noinline
func wrapperOne(number uintptr) { wrapperTwo(number + 0) }

//go:noinline
func wrapperTwo(number uintptr) { mark(number) }

type marker interface{ Mark() }
type viaInterface struct{}

func (viaInterface) Mark() { mark(604) }

type asserted interface{ MarkAsserted() }
type viaAssertion struct{}

//go:noinline
func (*viaAssertion) MarkAsserted() { mark(605) }

type viaReflection struct{}

//go:noinline
func (viaReflection) MarkReflected() { mark(606) }

var closure = func() { mark(607) }

func check(step string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", step, err)
		os.Exit(1)
	}
}

func main() {
	_, _, errno := syscall.Syscall(600, 0, 0, 0)
	if errno != syscall.ENOSYS {
		check("syscall 600", errno)
	}
	_, _, errno = syscall.RawSyscall(601, 0, 0, 0)
	if errno != syscall.ENOSYS {
		check("syscall 601", errno)
	}
	var group sync.WaitGroup
	group.Add(1)
	go func() {
		defer group.Done()
		syscall.Syscall6(602, 0, 0, 0, 0, 0, 0)
	}()
	group.Wait()
	wrapperOne(603)

	var m marker = viaInterface{}
	m.Mark()
	var anything interface{} = &viaAssertion{}
	if a, ok := anything.(asserted); ok {
		a.MarkAsserted()
	}
	reflect.ValueOf(viaReflection{}).MethodByName("MarkReflected").Call(nil)
	closure()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGUSR1)
	handled := make(chan bool)
	go func() {
		<-signals
		mark(608)
		handled <- true
	}()
	check("kill", syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		check("signal", fmt.Errorf("SIGUSR1 not delivered"))
	}
	cgoMarker()

	dir, err := os.MkdirTemp("", "gomarkers")
	check("mkdtemp", err)
	defer os.RemoveAll(dir)
	path := dir + "/file"
	check("write", os.WriteFile(path, []byte("hello\n"), 0o600))
	check("rename", os.Rename(path, path+".2"))
	file, err := os.Open(path + ".2")
	check("open", err)
	copied, err := io.Copy(io.Discard, file)
	check("copy", err)
	file.Close()

	out, err := exec.Command("/bin/sh", "-c", "echo child").Output()
	check("exec", err)

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	check("listen", err)
	go func() {
		conn, err := listener.Accept()
		check("accept", err)
		io.Copy(conn, conn)
		conn.Close()
	}()
	conn, err := net.Dial("tcp", listener.Addr().String())
	check("dial", err)
	_, err = conn.Write([]byte("ping"))
	check("send", err)
	reply := make([]byte, 4)
	_, err = io.ReadFull(conn, reply)
	check("receive", err)
	conn.Close()
	listener.Close()
	user := lookupUser()
	fmt.Printf("copied %d, child %q, reply %q, user %q\n", copied, out, reply, user)
}
