package probe

import (
	"crypto/x509"
	"time"
)

// CertSummary describes one certificate of the chain a server sent.
type CertSummary struct {
	// Subject is the certificate's subject common name (or the whole subject when it has none).
	Subject string `json:"subject"`
	// Names are the DNS names and IP addresses it is valid for.
	Names []string `json:"names,omitempty"`
	// Issuer is the issuer's common name (or the whole issuer).
	Issuer string `json:"issuer"`
	// NotBefore and NotAfter bound its validity.
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// summarize describes each certificate, leaf first.
func summarize(chain []*x509.Certificate) []CertSummary {
	out := make([]CertSummary, 0, len(chain))
	for _, c := range chain {
		s := CertSummary{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, NotBefore: c.NotBefore, NotAfter: c.NotAfter}
		if s.Subject == "" {
			s.Subject = c.Subject.String()
		}
		if s.Issuer == "" {
			s.Issuer = c.Issuer.String()
		}
		s.Names = append(s.Names, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			s.Names = append(s.Names, ip.String())
		}
		out = append(out, s)
	}
	return out
}

// verifyChain checks the chain as a client would: issued by a trusted root, in date, valid for
// name. roots nil means the system's roots.
func verifyChain(chain []*x509.Certificate, name string, roots *x509.CertPool, now time.Time) error {
	if len(chain) == 0 {
		return errNoCertificate
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter, CurrentTime: now})
	return err
}
