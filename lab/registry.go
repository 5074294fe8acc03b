package lab

import "sort"

// All returns every scenario, sorted by name. Each file of scenarios contributes one function
// returning its []Scenario; add yours to the list below.
func All() []Scenario {
	var all []Scenario
	for _, f := range []func() []Scenario{
		forwardProxyScenarios, // forward.go: squid, tinyproxy, Privoxy
		tlsScenarios,          // tls.go, tls_nginx.go: openssl s_server, nginx, namespaced firewalls
		reverseProxyScenarios, // reverse.go: Apache httpd, nginx
		mixedScenarios,        // mixed.go: failures among successes, several hops, healthy traffic
	} {
		all = append(all, f()...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, sc := range All() {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}
