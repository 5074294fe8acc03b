package lab

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// listening reports whether the process pid's network namespace has a TCP socket listening on
// addr (host:port, or on the wildcard address with that port). It reads /proc/PID/net/tcp{,6}
// instead of connecting, so that readiness leaves no line in the server's logs.
func listening(pid int, addr string) (bool, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("lab: %w", err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return false, fmt.Errorf("lab: port %q: %w", port, err)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false, fmt.Errorf("lab: %q is not an address", host)
	}
	file, want, any := "tcp", procAddr(ip.To4(), p), procAddr(net.IPv4zero.To4(), p)
	if ip.To4() == nil {
		file, want, any = "tcp6", procAddr(ip.To16(), p), procAddr(net.IPv6zero, p)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, file))
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st …; st 0A is LISTEN.
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && fields[3] == "0A" && (fields[1] == want || fields[1] == any) {
			return true, nil
		}
	}
	return false, sc.Err()
}

// procAddr formats an address as /proc/net/tcp does: each 32-bit word of the address in host
// (little-endian) order, in hex, then the port.
func procAddr(ip net.IP, port int) string {
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(ip[i:i+4]))
	}
	fmt.Fprintf(&b, ":%04X", port)
	return b.String()
}
