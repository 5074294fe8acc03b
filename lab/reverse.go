package lab

// reverseProxyScenarios lists the reverse-proxy scenarios (Apache httpd mod_proxy_http, nginx)
// for the mod-proxy playbook.
func reverseProxyScenarios() []Scenario { return nil }
