package probe

// Unexplained names what went wrong in a check's result (as passed to Hooks.CheckDone) that no
// signal stands for: an answer cut short or too large, a request that got no answer, a failure
// of another kind. It is "" when the check ended well or its evidence tells the story, so a
// screen that draws checks from their evidence alone does not call such a check a pass.
func Unexplained(result any) string {
	switch r := result.(type) {
	case *HTTPResult:
		if r != nil && r.Outcome != HTTPAnswered {
			return "HTTP " + string(r.Outcome)
		}
	case *ConnectResult:
		if r == nil {
			return ""
		}
		if a := r.Gateway(); a != nil {
			switch a.Outcome {
			case ProxyCut, ProxyTooLarge, ProxyGarbled, ProxyFailed:
				return "CONNECT " + string(a.Outcome)
			}
		}
	case *TLSResult:
		if r != nil && r.Outcome == TLSError {
			return "TLS " + string(r.Outcome)
		}
	case *BodyResult:
		if r != nil {
			switch r.Outcome {
			case BodyBadAnswer, BodyFailed, BodyNoAnswer, BodyAnswered:
				return "upload " + string(r.Outcome)
			}
		}
	case *KeepaliveResult:
		if r != nil && r.Outcome == ReuseError {
			return "keep-alive " + string(r.Outcome)
		}
	}
	return ""
}
