package checks

import "errors"

var (
	errRunning              = errors.New("checks: a run is still going; wait for it to end")
	errNoSuggestion         = errors.New("checks: no live check is suggested now (open an investigation, or run them all with r)")
	errHostHeaderNeedsProxy = errors.New("checks: the Host-header check goes through the forward proxy: fill in the proxy field first")
)
