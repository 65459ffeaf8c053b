// Loopback sockets for the servers sysfence starts itself (a study's services, the tests'
// sshd): free TCP ports to give them, and whether they accept connections yet.
//
//   Result<std::vector<int>> ports = FreeLoopbackPorts(2);   // two different ports
//   while (!AcceptsOnLoopback((*ports)[0])) sleep...;
#ifndef SYSFENCE_BASE_LOOPBACK_H_
#define SYSFENCE_BASE_LOOPBACK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

// `count` loopback TCP ports nothing listens on at the moment, all different.
Result<std::vector<int>> FreeLoopbackPorts(size_t count);

// Whether a TCP connect to 127.0.0.1:PORT succeeds.
bool AcceptsOnLoopback(int port);

// Whether a connect to the Unix stream socket at PATH succeeds.
bool AcceptsOnUnixSocket(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_LOOPBACK_H_
