// Package capture reads packet captures (pcap, pcapng, from a file or a pipe) and turns what the
// playbooks look for into evidence: a flow table with each TCP connection's outcome, the TLS
// handshake as far as it went, and the HTTP/1.x requests and answers a proxy hop exchanged.
//
// The reader hands out each packet as a slice of its own buffer (valid until the next read), the
// decoder works on that slice without allocating, and the analysis keeps state per connection,
// never per packet, so memory stays flat however long the capture is.
//
// The analysis runs on every CPU: one goroutine reads and decodes, workers follow the
// connections, each owning a share of the flow table's buckets (by a hash of the endpoints), and
// the goroutine calling Analyze applies what ties connections together (a proxy's two hops, the
// order connections opened in) and makes the findings, taking the workers' records in packet
// order. Whatever a table decides alone is decided per bucket, so one worker and several give
// the same result, byte for byte.
package capture
