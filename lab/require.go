package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotRoot is returned when a scenario needs root and the process is not root.
var ErrNotRoot = errors.New("needs root")

// ErrMissingProgram is returned when a program a scenario needs is not installed.
var ErrMissingProgram = errors.New("missing program")

// Check reports whether sc can run here: root when it needs it, and every program it names.
// A missing program's error names the apt-get command that installs it.
func Check(sc Scenario) error {
	if sc.NeedsRoot && os.Geteuid() != 0 {
		return fmt.Errorf("lab: %s %w (network namespaces, firewall rules, packet capture): run it with sudo", sc.Name, ErrNotRoot)
	}
	var missing, pkgs []string
	seen := map[string]bool{}
	for _, p := range sc.Programs {
		if _, err := LookPath(p.Name); err != nil {
			missing = append(missing, p.Name)
			if !seen[p.Apt] {
				seen[p.Apt] = true
				pkgs = append(pkgs, p.Apt)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("lab: %s: %w %s: apt-get install -y %s", sc.Name, ErrMissingProgram,
			strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	return nil
}

// LookPath finds a program on PATH, then in the sbin directories a non-login shell may lack,
// then in /usr/lib/squid (squid's authentication helpers).
func LookPath(name string) (string, error) {
	if strings.ContainsRune(name, '/') {
		if st, err := os.Stat(name); err == nil && !st.IsDir() {
			return name, nil
		}
		return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/lib/squid"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// Programs every scenario kind uses, with their Debian packages.
var (
	progIP       = Program{Name: "ip", Apt: "iproute2"}
	progNFT      = Program{Name: "nft", Apt: "nftables"}
	progTcpdump  = Program{Name: "tcpdump", Apt: "tcpdump"}
	progEditcap  = Program{Name: "editcap", Apt: "wireshark-common"}
	progSquid    = Program{Name: "squid", Apt: "squid"}
	progTiny     = Program{Name: "tinyproxy", Apt: "tinyproxy"}
	progPrivoxy  = Program{Name: "privoxy", Apt: "privoxy"}
	progOpenSSL  = Program{Name: "openssl", Apt: "openssl"}
	progDnsmasq  = Program{Name: "dnsmasq", Apt: "dnsmasq-base"}
	progNCSAAuth = Program{Name: "basic_ncsa_auth", Apt: "squid"}
)

// recordPrograms are what Record needs on top of a scenario's own programs.
var recordPrograms = []Program{progTcpdump, progEditcap, progIP}
