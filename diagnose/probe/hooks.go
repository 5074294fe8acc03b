package probe

// Check ids, as in the knowledge base's checks.yaml: a hook names the check it reports on.
const (
	CheckDNS       = "dns"
	CheckTCP       = "tcp"
	CheckConnect   = "connect"
	CheckTLS       = "tls"
	CheckHTTP      = "http"
	CheckBody      = "body-upload"
	CheckKeepalive = "keepalive"
)

// Hooks receive progress as the checks run, in the manner of net/http/httptrace. Any hook may be
// nil. Hooks are called from the goroutine running the checks, except ConnectDone, which may be
// called concurrently when several addresses are tried at once.
type Hooks struct {
	// CheckStart is called when a check begins.
	CheckStart func(check string)
	// CheckDone is called when a check ends with its result: *DNSResult, *TCPResult,
	// *ConnectResult, *TLSResult, *HTTPResult, *BodyResult or *KeepaliveResult.
	CheckDone func(check string, result any)
	// ConnectStart is called before each TCP connection attempt to addr (ip:port).
	ConnectStart func(addr string)
	// ConnectDone is called after each TCP connection attempt.
	ConnectDone func(a TCPAttempt)
	// ProxyConnectSent is called when a CONNECT request has been written (redacted).
	ProxyConnectSent func(request string)
	// GotFirstResponseByte is called when the first byte of an HTTP response arrives.
	GotFirstResponseByte func()
	// PhaseDone is called as each phase of the waterfall ends, failed or not.
	PhaseDone func(p Phase)
}

func (h *Hooks) checkStart(c string) {
	if h != nil && h.CheckStart != nil {
		h.CheckStart(c)
	}
}

func (h *Hooks) checkDone(c string, r any) {
	if h != nil && h.CheckDone != nil {
		h.CheckDone(c, r)
	}
}

func (h *Hooks) connectStart(addr string) {
	if h != nil && h.ConnectStart != nil {
		h.ConnectStart(addr)
	}
}

func (h *Hooks) connectDone(a TCPAttempt) {
	if h != nil && h.ConnectDone != nil {
		h.ConnectDone(a)
	}
}

func (h *Hooks) proxyConnectSent(req string) {
	if h != nil && h.ProxyConnectSent != nil {
		h.ProxyConnectSent(req)
	}
}

func (h *Hooks) gotFirstByte() {
	if h != nil && h.GotFirstResponseByte != nil {
		h.GotFirstResponseByte()
	}
}

func (h *Hooks) phaseDone(p Phase) {
	if h != nil && h.PhaseDone != nil {
		h.PhaseDone(p)
	}
}
