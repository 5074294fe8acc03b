package diagnose

import (
	"strings"
	"testing"
)

// TestSecretHeaderNameAgreesWithRedact: the byte maskers of captures and Redact hide the same
// headers.
func TestSecretHeaderNameAgreesWithRedact(t *testing.T) {
	names := map[string]bool{
		"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true, "Cookie2": true,
		"X-Api-Key": true, "Api-Key": true, "X-Goog-Api-Key": true, "Ocp-Apim-Subscription-Key": true,
		"X-Amz-Security-Token": true, "X-Auth-Token": true, "Private-Token": true, "X-Csrf-Token": true,
		"X-Client-Secret": true, "X-Hub-Signature": true, "X-Session-Id": true, "X-Auth": true, "X-Key": true,
		"X-Session": true, "x-vault-token": true, "X-Some-Very-Long-Vendor-Prefix-Api-Key": true,
		"Host": false, "Accept": false, "Content-Length": false, "Connection": false, "X-Request-Id": false,
		"Sec-WebSocket-Key": false, "Content-Security-Policy": false, "Token": false, "Session": false,
		"User-Agent": false, "Xcookie": false, "Key": false, "X-Keys": false,
	}
	for name, secret := range names {
		if got := SecretHeaderName([]byte(name)); got != secret {
			t.Errorf("SecretHeaderName(%q) = %v, want %v", name, got, secret)
		}
		hidden := !strings.Contains(Redact(name+": v4lue"), "v4lue")
		if hidden != secret {
			t.Errorf("Redact(%q) hides the value: %v, want %v", name+": v4lue", hidden, secret)
		}
	}
}
