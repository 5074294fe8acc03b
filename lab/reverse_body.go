package lab

import "time"

// uploadSize is the request body of the body scenarios: 128 KiB, twice what the backend reads
// plus what the namespace's small socket buffers hold, so it really streams (with default
// buffers the kernel would absorb several MB). Kept small because recordings are bundled.
const uploadSize = 128 << 10

// uploadPlan sends n uploads (POST /upload/N), one every interval, among small GETs (GET
// /status/N) every interval/2 from interval/4 on, gets of them, so that the logs show only
// requests with a body failing, with successes before, between and after the failures.
func uploadPlan(n int, interval time.Duration, gets int) []httpRequest {
	return merge(
		every(n, 0, interval, "POST", uploadSize, numbered("/upload/")),
		every(gets, interval/4, interval/2, "GET", 0, numbered("/status/")),
	)
}

// bodyScenarios are the mod-proxy causes where the connection breaks while the request body is
// being passed to the backend.
func bodyScenarios() []Scenario {
	return []Scenario{
		revScenario(Scenario{
			Name:  "body.backend-closed",
			Title: "the backend closes the connection after 32 KiB of a 128 KiB upload: pass request body failed, 502",
			Story: "Apache httpd streams each 128 KiB POST to the backend, which reads the headers and 32 KiB of the " +
				"body, then closes the connection with the rest unread, so its kernel answers with a reset. Apache " +
				"logs AH01084 and AH01097 `pass request body failed` with (104)Connection reset by peer or " +
				"(32)Broken pipe and answers 502; GETs without a body succeed. Socket buffers in the namespace are " +
				"small (16 KiB) so the body really streams.",
			Traffic: httpTraffic(uploadPlan(3, 400*time.Millisecond, 6)),
			Control: controlGet("/status/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", methodIs("POST"), statusIs(502), "502"),
					rec.expectStatuses("apache-access.log", methodIs("GET"), statusIs(200), "200"),
					rec.expectLines("apache-error.log", 6, "AH01084: pass request body failed to"),
					rec.expectLines("apache-error.log", 6, "AH01097: pass request body failed to"),
					rec.expectLines("backend.log", 6, "closed after 32768 of 131072 body bytes"),
					rec.expectPackets("lo.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 3),
					rec.expectPackets("lo-v6.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 3),
				)
			},
		}, revSpec{
			Apache:       apacheConfig{Params: "connectiontimeout=2 timeout=5 disablereuse=On"},
			Backend:      []string{"--mode", "close-body", "--body-after", "32768"},
			SmallBuffers: true,
			Notes:        []string{"Upload 128 KiB or more without Expect: 100-continue (curl -H 'Expect:' --data-binary @file) to see it fail."},
		}),

		revScenario(Scenario{
			Name:  "body.backend-closed.nginx",
			Title: "nginx passes a 128 KiB upload to a backend that closes after 32 KiB: 502",
			Story: "nginx buffers each 128 KiB POST from the client (to a temporary file), then sends it to the " +
				"backend, which reads the headers and 32 KiB of the body and closes with the rest unread, so its " +
				"kernel answers with a reset. nginx answers 502 and logs the reset where it meets it: mostly " +
				"`recv() failed (104: Connection reset by peer) while reading response header from upstream` " +
				"(the body was already handed to the kernel), sometimes `writev() failed (32: Broken pipe) while " +
				"sending request to upstream`; each POST also gets a warning that its body was buffered to a " +
				"temporary file. GETs without a body succeed.",
			Traffic: httpTraffic(uploadPlan(3, 400*time.Millisecond, 6)),
			Control: controlGet("/status/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("nginx-access.log", methodIs("POST"), statusIs(502), "502"),
					rec.expectStatuses("nginx-access.log", methodIs("GET"), statusIs(200), "200"),
					rec.expectLines("nginx-error.log", 6, "[error]", "POST /upload/", "upstream"),
					rec.expectLines("backend.log", 6, "closed after 32768 of 131072 body bytes"),
					rec.expectPackets("lo.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 3),
				)
			},
		}, revSpec{
			Proxy:        "nginx",
			Backend:      []string{"--mode", "close-body", "--body-after", "32768"},
			SmallBuffers: true,
		}),

		revScenario(Scenario{
			Name:  "body.backend-stalled",
			Title: "the backend stops reading a 128 KiB upload after 32 KiB: Apache times out passing the body, 504",
			Story: "Apache httpd streams each 128 KiB POST to the backend, which reads the headers and 32 KiB of the " +
				"body and then stops reading, holding the connection open. Its receive window closes (zero " +
				"window), Apache's send blocks until its timeout (3 s), then it logs AH01084 and AH01097 `pass " +
				"request body failed` with (70007)The timeout specified has expired and answers 504; GETs without " +
				"a body succeed.",
			Traffic: httpTraffic(uploadPlan(3, time.Second, 12)),
			Control: controlGet("/status/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", methodIs("POST"), statusIs(504), "504"),
					rec.expectStatuses("apache-access.log", methodIs("GET"), statusIs(200), "200"),
					rec.expectLines("apache-error.log", 6, "(70007)The timeout specified has expired", "AH01084: pass request body failed to"),
					rec.expectLines("apache-error.log", 6, "AH01097: pass request body failed to"),
					rec.expectLines("backend.log", 6, "stopped reading after 32768 of 131072 body bytes"),
					rec.expectPackets("lo.pcap", "tcp.srcport == 9000 && tcp.window_size == 0", 1),
				)
			},
		}, revSpec{
			Apache:       apacheConfig{Params: "connectiontimeout=2 timeout=3 disablereuse=On"},
			Backend:      []string{"--mode", "stall-body", "--body-after", "32768", "--hold", "20s"},
			SmallBuffers: true,
			Notes:        []string{"Upload 128 KiB or more without Expect: 100-continue (curl -H 'Expect:' --data-binary @file) to see it stall."},
		}),

		revScenario(Scenario{
			Name:  "body.backend-stalled.nginx",
			Title: "nginx passes a 128 KiB upload to a backend that stops reading after 32 KiB: 504",
			Story: "nginx buffers each 128 KiB POST from the client, then sends it to the backend, which reads " +
				"the headers and 32 KiB of the body and stops reading, holding the connection open. nginx's send " +
				"waits until proxy_send_timeout (3 s), then it logs `upstream timed out (110: Connection timed " +
				"out) while sending request to upstream` and answers 504; GETs without a body succeed.",
			Traffic: httpTraffic(uploadPlan(3, time.Second, 12)),
			Control: controlGet("/status/0"),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("nginx-access.log", methodIs("POST"), statusIs(504), "504"),
					rec.expectStatuses("nginx-access.log", methodIs("GET"), statusIs(200), "200"),
					rec.expectLines("nginx-error.log", 6, "upstream timed out (110: Connection timed out) while sending request to upstream"),
					rec.expectLines("backend.log", 6, "stopped reading after 32768 of 131072 body bytes"),
				)
			},
		}, revSpec{
			Proxy:        "nginx",
			Backend:      []string{"--mode", "stall-body", "--body-after", "32768", "--hold", "20s"},
			SmallBuffers: true,
		}),
	}
}
