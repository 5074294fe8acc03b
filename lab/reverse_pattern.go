package lab

import (
	"fmt"
	"time"
)

// exportPath is the one URL the request.pattern backend never answers.
const exportPath = "/reports/export"

// keepalivePlan sends requests in runs of three 250 ms apart, with pauses of 1.4 s between runs:
// longer than the backend's 1 s keep-alive timeout, shorter than the proxy's reuse of the idle
// connection. afterPause names the method of each run's first request (run 0 has no pause
// before it); a POST carries a small body.
func keepalivePlan(afterPause func(run int) string) []httpRequest {
	var plan []httpRequest
	at := time.Duration(0)
	for run := range 4 {
		for i := range 3 {
			r := httpRequest{At: at, Method: "GET", Path: fmt.Sprintf("/api/items/%d", run*3+i+1)}
			if i == 0 && afterPause(run) == "POST" {
				r.Method, r.Body = "POST", 512
			}
			plan = append(plan, r)
			at += 250 * time.Millisecond
		}
		at += 1150 * time.Millisecond
	}
	return plan
}

func allGET(int) string { return "GET" }

// postAfterOddPauses makes the first request after the 1st and 3rd pauses a POST.
func postAfterOddPauses(run int) string {
	if run%2 == 1 {
		return "POST"
	}
	return "GET"
}

// keepaliveSpec pairs Apache's unbounded reuse of idle backend connections with a backend that
// drops them after 1 s.
var keepaliveSpec = revSpec{
	Apache:  apacheConfig{Params: "connectiontimeout=2 timeout=3", OneChild: true},
	Backend: []string{"--mode", "idle-close", "--idle", "1s"},
	Notes: []string{"Send a request, wait 1.5 s, send another: the second gets 502.",
		"The fix to try: SetEnv proxy-nokeepalive 1 in the virtual host."},
}

// patternPlan mixes paths; every fourth request asks for the export.
func patternPlan() []httpRequest {
	paths := []string{"/orders/%d", "/customers/%d", "/orders/%d/lines", exportPath + "?month=%d"}
	return every(16, 0, 200*time.Millisecond, "GET", 0, func(i int) string {
		return fmt.Sprintf(paths[i%len(paths)], i/len(paths)+1)
	})
}

// patternScenarios are the mod-proxy causes shown by which requests fail: the ones reusing an
// idle connection, or the ones for one URL.
func patternScenarios() []Scenario {
	return []Scenario{
		revScenario(Scenario{
			Name:  "keepalive.race",
			Title: "the backend closes keep-alive connections idle for 1 s; Apache reuses them later: 502 after each pause",
			Story: "Apache httpd keeps its backend connections for reuse (no ttl). The backend's keep-alive " +
				"timeout is 1 s, and its timer fires as the request arrives: a request reusing a connection idle " +
				"that long is closed unanswered. The first request after each pause gets 502 with AH01102 `error " +
				"reading status line from remote server` and AH00898; the requests right after it, on a fresh " +
				"connection, succeed. `SetEnv proxy-nokeepalive 1` (or a ProxyPass ttl below the backend's " +
				"timeout) makes it go away.",
			Traffic: httpTraffic(keepalivePlan(allGET)),
			Control: controlGet("/api/items/0"),
			Verify: func(rec *Recording) error {
				failed, total, err := rec.failureShare("apache-access.log", anyRequest)
				if err != nil {
					return err
				}
				if failed < 4 || failed*2 > total {
					return fmt.Errorf("recording: %d of %d requests failed, want those after each pause", failed, total)
				}
				return firstErr(
					rec.expectStatuses("apache-access.log", anyRequest, statusIs(200, 502), "200 or 502"),
					rec.expectLines("apache-error.log", failed, "AH01102: error reading status line from remote server"),
					rec.expectLines("apache-error.log", failed, "AH00898: Error reading from remote server"),
					rec.expectLines("backend.log", failed, "closed unanswered: request arrived after"),
				)
			},
		}, keepaliveSpec),

		revScenario(Scenario{
			Name:  "keepalive.race.nginx",
			Title: "nginx reuses keep-alive connections the backend closed after 1 s idle: GETs retried, POSTs 502",
			Story: "nginx keeps idle upstream connections (keepalive 8); the backend's keep-alive timeout is 1 s " +
				"and its timer fires as the request arrives, closing a connection reused after a longer pause. " +
				"nginx logs `upstream prematurely closed connection while reading response header from " +
				"upstream` each time; it retries a GET on a new connection (the client sees 200) but not a POST, " +
				"which is not idempotent: the POST after a pause gets 502.",
			Traffic: httpTraffic(keepalivePlan(postAfterOddPauses)),
			Control: controlGet("/api/items/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("nginx-access.log", methodIs("POST"), statusIs(502), "502"),
					rec.expectStatuses("nginx-access.log", methodIs("GET"), statusIs(200), "200"),
					rec.expectLines("nginx-error.log", 6, "upstream prematurely closed connection while reading response header from upstream"),
					rec.expectLines("backend.log", 6, "closed unanswered: request arrived after"),
				)
			},
		}, revSpec{
			Proxy:   "nginx",
			Nginx:   nginxConfig{Keepalive: 8},
			Backend: []string{"--mode", "idle-close", "--idle", "1s"},
			Notes: []string{"Send a POST 1.5 s after the last request: it gets 502; a GET is retried and succeeds.",
				"The fix to try: keepalive_timeout in the upstream block below the backend's idle timeout."},
		}),

		revScenario(Scenario{
			Name:  "request.pattern",
			Title: "the backend never answers " + exportPath + ": only that URL fails (502 after 3 s), the rest succeed",
			Story: "The backend answers every path at once except " + exportPath + ", where its handler hangs. " +
				"Apache httpd waits for the status line until its timeout (3 s), logs AH01102 (70007) and " +
				"AH00898 `… returned by " + exportPath + "` and answers 502; the access log shows every other path " +
				"answered 200.",
			Traffic: httpTraffic(patternPlan()),
			Control: controlGet("/orders/0"),
			Verify:  verifyPattern("apache-access.log", 502, "apache-error.log", "AH00898: Error reading from remote server returned by "+exportPath),
		}, revSpec{
			Apache:  apacheConfig{Params: "connectiontimeout=2 timeout=3"},
			Backend: []string{"--mode", "fail-path", "--fail-path", exportPath, "--fail-action", "hang", "--hold", "20s"},
		}),

		revScenario(Scenario{
			Name:  "request.pattern.nginx",
			Title: "nginx in front of a backend that never answers " + exportPath + ": only that URL fails (504)",
			Story: "The backend answers every path at once except " + exportPath + ", where its handler hangs. " +
				"nginx logs `upstream timed out (110: Connection timed out) while reading response header from " +
				"upstream` for those requests only and answers 504; every other path is answered 200.",
			Traffic: httpTraffic(patternPlan()),
			Control: controlGet("/orders/0"),
			Verify: verifyPattern("nginx-access.log", 504, "nginx-error.log",
				"upstream timed out (110: Connection timed out) while reading response header from upstream"),
		}, revSpec{
			Proxy:   "nginx",
			Backend: []string{"--mode", "fail-path", "--fail-path", exportPath, "--fail-action", "hang", "--hold", "20s"},
		}),
	}
}

// verifyPattern checks that every request for exportPath failed with status and every other
// succeeded, and that the error log names the failing requests.
func verifyPattern(accessLog string, status int, errorLog, line string) func(*Recording) error {
	return func(rec *Recording) error {
		export := pathHas(exportPath)
		failed, _, err := rec.failureShare(accessLog, export)
		if err != nil {
			return err
		}
		return firstErr(
			rec.expectStatuses(accessLog, export, statusIs(status), fmt.Sprint(status)),
			rec.expectStatuses(accessLog, not(export), statusIs(200), "200"),
			rec.expectLines(errorLog, failed, line),
			rec.expectLines(errorLog, failed, exportPath),
		)
	}
}
