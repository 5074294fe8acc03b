package probe

import "errors"

// Errors callers may branch on.
var (
	// ErrNoTarget is returned when the options name no target.
	ErrNoTarget = errors.New("no target URL given")
	// ErrBadScheme is returned for a target or proxy URL with a scheme the probe does not speak.
	ErrBadScheme     = errors.New("unsupported URL scheme (use http or https)")
	errNoCertificate = errors.New("the server sent no certificate")
)
