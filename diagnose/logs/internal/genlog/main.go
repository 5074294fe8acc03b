// Command genlog writes a large synthetic server log for the benchmarks: a combined access log
// (one request in fifty answered 502) or an Apache 2.4 error log of refused connects, about fifty
// lines a second.
//
//	go run ./diagnose/logs/internal/genlog -kind access -size 1100 > /tmp/access.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	kind := flag.String("kind", "access", "access or apache-error")
	size := flag.Int64("size", 1100, "megabytes to write")
	flag.Parse()
	if *kind != "access" && *kind != "apache-error" {
		fmt.Fprintln(os.Stderr, "genlog: -kind must be access or apache-error")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	limit := *size << 20
	var n int64
	for i := 0; n < limit; i++ {
		t := i / 50
		s, m, h, d := t%60, (t/60)%60, (t/3600)%24, 1+(t/86400)%28
		var k int
		var err error
		if *kind == "access" {
			status := 200
			if i%50 == 7 {
				status = 502
			}
			k, err = fmt.Fprintf(w, "10.1.%d.%d - - [%02d/Nov/2026:%02d:%02d:%02d +0000] \"GET /api/v1/items/%d?page=2 HTTP/1.1\" %d 5123 \"https://example.test/start\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"\n",
				i%256, (i/256)%256, d, h, m, s, i%1000, status)
		} else {
			k, err = fmt.Fprintf(w, "[Sat Nov %02d %02d:%02d:%02d.%06d 2026] [proxy:error] [pid 10586:tid 10621] (111)Connection refused: AH00957: http: attempt to connect to 10.0.0.%d:8080 (10.0.0.5:8080) failed\n",
				d, h, m, s, i%1000000, i%4)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "genlog:", err)
			os.Exit(1)
		}
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}
