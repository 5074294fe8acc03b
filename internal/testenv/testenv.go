// Package testenv lets tests that need root or a real program say so: they skip with the reason on
// a developer's machine and fail under CI, where HOPSCOPE_REQUIRE_REAL=1 promises the real parts.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing real parts must fail tests instead of skipping them.
func Required() bool { return os.Getenv("HOPSCOPE_REQUIRE_REAL") == "1" }

// Missing skips the test with the reason, or fails it when the real parts are required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("required for this test (HOPSCOPE_REQUIRE_REAL=1): "+format, args...)
	}
	t.Skipf("skipped: "+format, args...)
}

// RequireRoot needs the test to run as root (network namespaces, nftables, tcpdump).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root (network namespaces, firewall rules, packet capture)")
	}
}

// RequireCommand needs each named program on PATH (or in /usr/sbin, where Debian puts daemons).
func RequireCommand(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := LookPath(n); err != nil {
			Missing(t, "needs %s (apt-get install the package that provides it; .ci/run does)", n)
		}
	}
}

// LookPath finds a program on PATH, then in the sbin directories a non-login shell may lack.
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
